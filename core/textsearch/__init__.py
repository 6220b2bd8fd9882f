"""Search: Chinese/English text processing for the directory's search box."""
