/* Written by `feedmill init`.
 *
 * News articles carry tables wider than the theme's article column (a fund's
 * holdings, a results table of a dozen columns), long unbroken strings (a
 * link written out, a code), video players of a fixed width and boxes an
 * editor set to a page's width (WeChat's 677px sections); the column hides
 * what overflows it, so a table's last columns, a player's controls or the
 * end of each line on a phone could not be read at all. This lets such a
 * table scroll sideways inside the column (in a box of its own: a table made
 * the scrolling box itself shrank to its words, a narrow one's columns run
 * together; a player in one keeps its width),
 * narrows a player, a box or anything an editor gave a width (a paragraph of
 * 1200px, WordPress's captioned figure of its picture's width, without the
 * figure's indent) to the column,
 * keeps a picture's proportions where the editor set its width and height
 * (narrowed, it was drawn at that height, stretched; not one cropped by
 * object-fit, nor one sized by its height, `width: auto`), and breaks a word too long for a line (in a title too, and where the
 * next and previous posts are named, and the categories: Latin names, joined
 * without a space, made the page wider than a phone's screen; and in the lists
 * of the archive, a category or a tag, which cut it at the column's edge). (Of
 * least weight, `:where`: a player in a table keeps its width.)
 *
 * Delete this file to keep the theme's own layout.
 */
hexo.extend.filter.register('after_post_render', (data) => {
  // (A "<" of text or of an attribute's value is written "&lt;" in a post.)
  if (data.content && data.content.includes('<table')) {
    data.content = data.content
      .replace(/<table(?=[\s>])/g, '<div class="feedmill-table"><table')
      .replace(/<\/table>/g, '</table></div>');
  }
  return data;
});

hexo.extend.injector.register(
  'head_end',
  '<style>.article-entry .feedmill-table{max-width:100%;overflow-x:auto}' +
    '.article-entry iframe,.article-entry video{max-width:100%}' +
    '.article-entry td iframe,.article-entry th iframe{max-width:none}' +
    '.article-entry section,.article-entry div{max-width:100%;box-sizing:border-box}' +
    '.article-entry :where([style]){max-width:100%}' +
    '.article-entry figure[style]{margin-left:0;margin-right:0}' +
    '.article-entry img:is([style^="width"],[style*=";width"],[style*="; width"])' +
    ':is([style^="height"],[style*=";height"],[style*="; height"])' +
    ':not([style*="object-fit"],[style^="width:auto"],[style*=";width:auto"],' +
    '[style*="; width:auto"],[style^="width: auto"],[style*=";width: auto"],' +
    '[style*="; width: auto"])' +
    '{height:auto!important}' +
    '.article-entry{overflow-wrap:break-word}' +
    '.article-title,.article-nav-title,.article-category,.archive-article-title' +
    '{overflow-wrap:anywhere}</style>'
);
