"""Tables. Importing this package registers every model on ``Base.metadata``."""
from service.models.org import OrgImport, OrgUnit, UNIT_TYPES, VETTING_UNIT_TYPES
from service.models.users import ApiToken, BrowserSession, PasswordLink, ROLES, User, UserRole
from service.models.campaigns import (Application, Attachment, Campaign, CampaignScorer, PresentationSession,
                                      PresentationSlot, ShortlistView)
from service.models.processes import Incident, InstanceEvent, ProcessDefinition, ProcessInstance, Task, Timer
from service.models.messages import InboxMessage, OutboxMessage
from service.models.audit import AuditRecord, AuditSeal
from service.models.forms import FormDefinition
from service.models.notices import NoticeItem, Objection, PublicNotice

__all__ = [
    "ApiToken", "Application", "Attachment", "AuditRecord", "AuditSeal", "BrowserSession", "Campaign", "CampaignScorer", "FormDefinition", "InboxMessage", "Incident",
    "InstanceEvent", "NoticeItem", "Objection", "OrgImport", "OrgUnit", "PasswordLink", "PresentationSession", "PresentationSlot", "OutboxMessage", "ProcessDefinition", "ProcessInstance", "PublicNotice", "ROLES", "ShortlistView", "Task",
    "Timer", "UNIT_TYPES", "User", "UserRole", "VETTING_UNIT_TYPES",
]
