"""One module of admin views per area (users and profiles, catalogue, orders, audit log).

Views are configured by class attributes and call services; shared behaviour comes
from ``backoffice.admin.base.SecuredModelView``. May import what ``backoffice.admin`` may.
"""
