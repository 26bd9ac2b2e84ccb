"""Text for the ear: article parsing, normalisation (numbers, sigles, lexicon), segmentation.

Pure: no I/O but reading the article and the lexicon.
"""
