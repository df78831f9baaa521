import sys

from pathdep.cli import main

sys.exit(main())
