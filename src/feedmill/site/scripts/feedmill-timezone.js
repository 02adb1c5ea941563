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
 *
 * The zone by its own name: Hexo reads `asia/shanghai` as Asia/Shanghai, but
 * Node reads a TZ it does not know, as spelled, as UTC.
 */
if (hexo.config.timezone) {
  try {
    process.env.TZ = new Intl.DateTimeFormat('en-US', {
      timeZone: String(hexo.config.timezone).trim()
    }).resolvedOptions().timeZone;
  } catch (err) {
    hexo.log.warn('feedmill-timezone: no time zone is named %s', hexo.config.timezone);
  }
}
