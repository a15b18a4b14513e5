"""Run ``set_avatar`` in a child process whose disk "fills up" after a few bytes.

``python -m tests.avatars.full_disk DATABASE_URL UPLOAD_DIR USER_ID LIMIT`` uploads a
16×16 image (a ~300-byte avatar and a ~4 kB thumbnail): with RLIMIT_FSIZE=LIMIT and
SIGXFSZ ignored, the avatar is written and the thumbnail's write fails with EFBIG, as on a
full disk. Root is bound by this limit too, unlike by directory permissions. A separate
process, because the limit would also break the test runner's own files and SQLite.
Prints the outcome as JSON.
"""

from __future__ import annotations

import json
import resource
import signal
import sys

from backoffice import create_app
from backoffice.extensions import db
from backoffice.models import User
from backoffice.services.avatars import AvatarStoreError, set_avatar
from tests.support import samples


def main(database_url: str, upload_dir: str, user_id: str, limit: str) -> None:
    """Upload with the file size limit in force; print what happened."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "UPLOAD_DIR": upload_dir}, env="testing"
    )
    data = samples.encode(samples.noise((16, 16)), "PNG")
    with app.app_context():
        profile = db.session.get(User, int(user_id)).profile
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
        resource.setrlimit(resource.RLIMIT_FSIZE, (int(limit), hard))
        try:
            set_avatar(profile, data)
            db.session.commit()
        except AvatarStoreError as exc:
            outcome = {"refused": str(exc)}
        else:
            outcome = {"stored": profile.avatar}
    print(json.dumps(outcome))


if __name__ == "__main__":
    main(*sys.argv[1:])
