import sys
from pathlib import Path

# Appended, not prepended: other suites import a module named `conftest` from their own folder.
sys.path.append(str(Path(__file__).parent))
