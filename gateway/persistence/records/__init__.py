"""SQLAlchemy 2.0 typed records. Importing this package registers every table on ``Base.metadata``."""

from gateway.persistence.records.base import Base
from gateway.persistence.records.batches import (BatchListEntryRecord, BatchListRecord,
                                                 CalendarOverrideRecord, NotificationRecord,
                                                 RealtimeBatchRecord, RefundCaseRecord,
                                                 StopRequestRecord)
from gateway.persistence.records.individuals import (IndividualProfileRecord, ProxyPaymentRecord,
                                                     ResidentDeclarationRecord, ResidentGradeRecord,
                                                     VirtualUnitRecord)
from gateway.persistence.records.declarations import (DeclarationLineRecord, DeclarationRecord,
                                                      PersonChangeRecord)
from gateway.persistence.records.levies import AgreementRecord, LevyRecord, VerificationRecord
from gateway.persistence.records.messaging import (AlertRecord, BatchInboundRecord, ErrorStoreRecord,
                                                   GatewayStateRecord,
                                                   InboxRecord, OutboxRecord, SerialCounterRecord,
                                                   UserRecord)
from gateway.persistence.records.ops import (AuditEventRecord, JobScheduleRecord,
                                             ProcessLeaseRecord)
from gateway.persistence.records.parties import (BankRecord, InsuranceTypeRecord,
                                                 InsuredPersonRecord, PayerRecord, TaxOfficeRecord,
                                                 TreasuryRecord)
from gateway.persistence.records.payments import (CounterVoucherLevyRecord, CounterVoucherRecord,
                                                  DebitLevyRecord, DebitRecord, PackageRecord,
                                                  ReversalRecord, ReviewItemRecord)
from gateway.persistence.records.reconciliation import (FundReportLineRecord,
                                                        ReconDiscrepancyRecord, ReconItemRecord,
                                                        ReconPackageRecord, ReconSubPackageRecord)
from gateway.persistence.records.reference import (ParameterBasisRecord,
                                                   ParameterBasisVersionRecord,
                                                   ParameterChangeRecord, ParameterProposalRecord,
                                                   ParameterVersionRecord)
from gateway.persistence.records.summaries import (DailySummaryRecord, ReportVersionRecord,
                                                   SummaryRunRecord)
from gateway.persistence.records.web import (AuditHeadRecord, AuditRecord, LoginStateRecord,
                                             WebSessionRecord)

metadata = Base.metadata

__all__ = [
    "Base", "metadata", "AgreementRecord", "LevyRecord", "VerificationRecord", "AlertRecord",
    "BatchInboundRecord", "ErrorStoreRecord", "GatewayStateRecord", "InboxRecord", "OutboxRecord",
    "SerialCounterRecord",
    "UserRecord", "BankRecord", "InsuranceTypeRecord",
    "InsuredPersonRecord", "PayerRecord", "TaxOfficeRecord", "TreasuryRecord",
    "CounterVoucherLevyRecord", "CounterVoucherRecord", "DebitLevyRecord", "DebitRecord",
    "PackageRecord", "ReversalRecord", "ReviewItemRecord", "AuditEventRecord", "ProcessLeaseRecord",
    "JobScheduleRecord",
    "AuditHeadRecord", "AuditRecord", "LoginStateRecord", "WebSessionRecord",
    "ParameterBasisRecord", "ParameterBasisVersionRecord", "ParameterChangeRecord",
    "ParameterProposalRecord", "ParameterVersionRecord",
    "BatchListEntryRecord", "BatchListRecord", "CalendarOverrideRecord", "NotificationRecord",
    "RealtimeBatchRecord", "RefundCaseRecord", "StopRequestRecord",
    "IndividualProfileRecord", "ProxyPaymentRecord", "ResidentDeclarationRecord",
    "ResidentGradeRecord", "VirtualUnitRecord",
    "DailySummaryRecord", "ReportVersionRecord", "SummaryRunRecord",
    "DeclarationLineRecord", "DeclarationRecord", "PersonChangeRecord",
    "FundReportLineRecord", "ReconDiscrepancyRecord", "ReconItemRecord", "ReconPackageRecord",
    "ReconSubPackageRecord",
]
