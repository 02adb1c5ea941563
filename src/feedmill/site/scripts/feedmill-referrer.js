/* Written by `feedmill init`.
 *
 * Chinese news CDNs (sinaimg.cn, mmbiz.qpic.cn, …) refuse a picture requested
 * with another site's address as its Referer. feedmill sets
 * referrerpolicy="no-referrer" on the pictures and players of every post it
 * writes (YouTube's players, which need the site's address to play, get its
 * origin), but a picture the theme draws from a post's front matter (headimg,
 * thumbnail, on the home page) and a video's poster cannot carry it: this asks
 * the browser to send no Referer from any page of the site.
 *
 * Delete this file if your pages must send one (pictures of your own behind a
 * CDN that only serves requests naming your site).
 */
hexo.extend.injector.register('head_begin', '<meta name="referrer" content="no-referrer">');
