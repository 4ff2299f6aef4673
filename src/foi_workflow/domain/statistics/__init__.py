"""Annual statistics, pure: the report's codes and layout, counting rules, checks, older format."""
