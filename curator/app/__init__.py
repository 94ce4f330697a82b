"""The Textual app: screens and widgets only. Data comes from curator.service."""
