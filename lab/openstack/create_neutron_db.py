"""Creates neutron-server's database for tests: schema from the models, stamped at heads.

Running Neutron's alembic migrations (126 scripts in Zed) takes far longer than a test should
(and they do not run on SQLite at all), so the schema comes from neutron.db.migration.models.head and
`neutron-db-manage stamp heads` records it as current. The database must exist and be empty.

Usage: python3 create_neutron_db.py neutron.conf
"""

import configparser
import sys

from sqlalchemy import create_engine

from neutron.db.migration import cli
from neutron.db.migration.models import head


def main(conf):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(conf)
    engine = create_engine(parser['database']['connection'])
    head.get_metadata().create_all(engine)
    engine.dispose()
    sys.argv = ['neutron-db-manage', '--config-file', conf, 'stamp', 'heads']
    cli.main()


if __name__ == '__main__':
    main(sys.argv[1])
