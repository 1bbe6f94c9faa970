import pytest

from faq.assistant import Faq


@pytest.fixture(scope="session")
def faq() -> Faq:
    return Faq.from_directory()
