"""Import a model trained elsewhere into SageMaker: check, package, upload, register, deploy.

boto3 is imported lazily (inside the calls that need it), never at ``import resolver`` time.
"""

from __future__ import annotations

from .contracts import CheckReport, check_model, find_problems
from .core import ImportResult, import_model
from .errors import ArchiveRefused, ContractError, ImportFailed, InvalidImportRequest, Problem, UploadConflict
from .limits import ArchiveLimits
from .package import PackageInfo, package_model
from .plan import Plan, Step
from .upload import BucketMissing

__all__ = [
    "ArchiveLimits",
    "ArchiveRefused",
    "BucketMissing",
    "CheckReport",
    "ContractError",
    "ImportFailed",
    "ImportResult",
    "InvalidImportRequest",
    "PackageInfo",
    "Plan",
    "Problem",
    "Step",
    "UploadConflict",
    "check_model",
    "find_problems",
    "import_model",
    "package_model",
]
