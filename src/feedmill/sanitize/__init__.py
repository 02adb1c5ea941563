"""Sanitize stage: untrusted feed HTML to HTML that is safe to publish.

nh3 (the Rust ammonia sanitizer) does the work with an allowlist: no
scripts, no event handlers, no ``javascript:``/``vbscript:`` URLs, ``data:``
only for images, no ``style`` elements, iframes only from allowed video hosts
and always sandboxed.  What readers see — inline ``style`` that lays out the
article itself (css.py), ``class``, ``target=_blank``, tables, figures, the ``code``
attribute of stcn's ``trsHotWords`` stock links — is kept; ids are prefixed so
that a theme's own (``#header``, ``#banner``) stay the theme's.  Relative
links and images are resolved against the item's link.

The stage's modules: ``clean`` (the sanitizer), ``policy`` (what is allowed),
``css`` (inline styles), ``prepass`` (what a page hides or loads lazily),
``bounds`` (markup kept within what the parser reads in linear time).  This
package's own module imports none of them: an unchanged run, which sanitizes
nothing, does not load them (their regular expressions take ~10 ms to compile).
"""
