from pathlib import Path

from setuptools import setup

HERE = Path(__file__).parent


def requirements(name: str) -> list[str]:
    lines = (HERE / name).read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


setup(
    install_requires=requirements("requirements.txt"),
    extras_require={"test": requirements("test-requirements.txt")},
)
