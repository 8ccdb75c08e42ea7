"""The training-job packaging route: a dummy training job copies the model into SM_MODEL_DIR.

SageMaker then writes ``model.tar.gz`` itself. The input channel holds the checked archive,
the script unpacks it into ``SM_MODEL_DIR`` (the archive passed the safety check before upload).
"""

from __future__ import annotations

import gzip
import io
import tarfile

from .step import Step

__all__ = ["COPY_SCRIPT", "sourcedir_bytes", "training_steps"]

COPY_SCRIPT = b'''"""smcat: copy the model from the input channel to SM_MODEL_DIR (SageMaker tars it)."""
import os
import shutil
import tarfile

src, dst = os.environ["SM_CHANNEL_INPUT"], os.environ["SM_MODEL_DIR"]
for name in sorted(os.listdir(src)):
    path = os.path.join(src, name)
    if name.endswith(".tar.gz"):
        with tarfile.open(path) as tf:
            tf.extractall(dst, filter="data")
    elif os.path.isdir(path):
        shutil.copytree(path, os.path.join(dst, name), dirs_exist_ok=True)
    else:
        shutil.copy2(path, dst)
'''


def sourcedir_bytes() -> bytes:
    """``sourcedir.tar.gz`` holding the copy script, byte for byte the same every time."""
    buf = io.BytesIO()
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w") as tf,
    ):
        ti = tarfile.TarInfo("copy_model.py")
        ti.size, ti.mode, ti.mtime = len(COPY_SCRIPT), 0o644, 0
        tf.addfile(ti, io.BytesIO(COPY_SCRIPT))
    return buf.getvalue()


def training_steps(
    job: str, bucket: str, prefix: str, image: str, role: str, instance_type: str, sha256: str
) -> tuple[list[Step], str]:
    """Steps of the route, and the ModelDataUrl the job will produce."""
    input_key = f"{prefix}/input/model.tar.gz"
    source_key = f"{prefix}/source/sourcedir.tar.gz"
    output = f"s3://{bucket}/{prefix}/output"
    params = {
        "TrainingJobName": job,
        "AlgorithmSpecification": {"TrainingImage": image, "TrainingInputMode": "File"},
        "RoleArn": role,
        "HyperParameters": {
            "sagemaker_program": '"copy_model.py"',
            "sagemaker_submit_directory": f'"s3://{bucket}/{source_key}"',
        },
        "InputDataConfig": [
            {
                "ChannelName": "input",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": f"s3://{bucket}/{prefix}/input/",
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            }
        ],
        "OutputDataConfig": {"S3OutputPath": output},
        "ResourceConfig": {"InstanceType": instance_type, "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    steps = [
        Step(
            "s3",
            "upload_file",
            {"Bucket": bucket, "Key": input_key, "Metadata": {"sha256": sha256}},
            "upload the model as the training job's input",
            creates=f"s3-object:s3://{bucket}/{input_key}",
            undo=("delete_object", {"Bucket": bucket, "Key": input_key}),
        ),
        Step(
            "s3",
            "put_object",
            {"Bucket": bucket, "Key": source_key},
            "upload sourcedir.tar.gz with the copy script",
            creates=f"s3-object:s3://{bucket}/{source_key}",
            undo=("delete_object", {"Bucket": bucket, "Key": source_key}),
        ),
        Step(
            "sagemaker",
            "create_training_job",
            params,
            "start the copy training job",
            creates=f"training-job:{job}",
            undo=("stop_training_job", {"TrainingJobName": job}),
        ),
        Step(
            "sagemaker",
            "wait:training_job_completed_or_stopped",
            {"TrainingJobName": job},
            "wait for the training job",
        ),
    ]
    return steps, f"{output}/{job}/output/model.tar.gz"
