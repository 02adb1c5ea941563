/* Written by `feedmill init`.
 *
 * Hexo takes the year/month/day of a post's URL, and the time it shows, from
 * the time zone of the machine that builds the site, and shifts dates with a
 * zone (RFC 822 "... GMT") by the difference between that zone and
 * `timezone:` in _config.yml. The same posts then land on different days on a
 * laptop in Shanghai and on a UTC build server.
 *
 * Running Hexo in the site's own time zone makes every build the same: dates
 * keep their exact instant and every post keeps its URL on any machine.
 */
if (hexo.config.timezone) {
  process.env.TZ = hexo.config.timezone;
}
