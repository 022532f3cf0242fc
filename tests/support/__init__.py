"""What several test modules share: paths and eval data, generated articles, running `curate`."""
