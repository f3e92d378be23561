"""One module per command group of `lamm`; `common` holds what they share. Arguments are parsed here, the
work is done in the packages below."""
