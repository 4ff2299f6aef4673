"""foi_workflow: handling applications under China's Regulations on Open Government Information."""

__version__ = "0.1.0"
