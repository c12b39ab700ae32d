from incidents.models.case import Case
from incidents.models.concerns import LowLevelConcern
from incidents.models.delivery import LetterDelivery
from incidents.models.events import CaseAnchor, CaseEvent
from incidents.models.evidence import Evidence
from incidents.models.exports import ExportRecord, ExportSeal, PreparedExport
from incidents.models.grants import CaseGroupObjectPermission, CaseUserObjectPermission
from incidents.models.letter import Letter
from incidents.models.people import Membership, Role, School, StaffMember, Trust
from incidents.models.policy import Clause, Policy, PolicyAcknowledgement, PolicyReviewReminder
from incidents.models.retention import LegalHold, RetentionRecord
from incidents.models.subject_access import SubjectAccessExtension, SubjectAccessRequest

__all__ = [
    "Case",
    "CaseAnchor",
    "CaseEvent",
    "CaseGroupObjectPermission",
    "CaseUserObjectPermission",
    "Clause",
    "Evidence",
    "ExportRecord",
    "ExportSeal",
    "LegalHold",
    "Letter",
    "LetterDelivery",
    "LowLevelConcern",
    "Membership",
    "Policy",
    "PolicyAcknowledgement",
    "PolicyReviewReminder",
    "PreparedExport",
    "RetentionRecord",
    "Role",
    "School",
    "StaffMember",
    "SubjectAccessExtension",
    "SubjectAccessRequest",
    "Trust",
]
