"""feedmill: many news feeds in, one categorized Hexo blog out."""

__version__ = "0.1.0"
