/* Written by `feedmill init`.
 *
 * News articles carry tables wider than the theme's article column (a fund's
 * holdings, a results table of a dozen columns) and long unbroken strings (a
 * link written out, a code); the column hides what overflows it, so a table's
 * last columns could not be read at all. This lets such a table scroll
 * sideways inside the column, and breaks a word too long for a line.
 *
 * Delete this file to keep the theme's own layout.
 */
hexo.extend.injector.register(
  'head_end',
  '<style>.article-entry table{display:block;max-width:100%;overflow-x:auto}' +
    '.article-entry{overflow-wrap:break-word}</style>'
);
