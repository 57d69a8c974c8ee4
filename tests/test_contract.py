"""The written contract (config/openapi.yaml), the sandbox's routes and the pydantic models agree."""

from __future__ import annotations

import inspect
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from kiosk.portal import models
from kiosk.sandbox.app import SandboxSettings, create_app

CONTRACT_FILE = Path(__file__).resolve().parent.parent / "config" / "openapi.yaml"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


@pytest.fixture(scope="module")
def contract() -> dict[str, Any]:
    document = yaml.safe_load(CONTRACT_FILE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The OpenAPI document FastAPI derives from the sandbox's routes."""
    app = create_app(SandboxSettings(procedures=tmp_path_factory.mktemp("procedures")))
    try:
        return app.openapi()
    finally:
        app.state.sandbox.store.close()


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(path, method): operation for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS}


def model_classes() -> dict[str, type[BaseModel]]:
    return {name: cls for name, cls in inspect.getmembers(models, inspect.isclass)
            if issubclass(cls, BaseModel) and cls.__module__ == models.__name__ and not name.startswith("_")}


def test_contract_declares_openapi_3_1_with_bearer_security(contract: dict[str, Any]) -> None:
    assert contract["openapi"].startswith("3.1")
    assert contract["security"] == [{"bearerAuth": []}]
    assert contract["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "A token from POST /oauth/token."}
    public = [key for key, op in operations(contract).items() if op.get("security") == []]
    assert public == [("/oauth/token", "post")]


def test_every_operation_is_both_written_and_served(contract: dict[str, Any], served: dict[str, Any]) -> None:
    assert set(operations(contract)) == set(operations(served))
    assert not [path for path in served["paths"] if path.startswith("/sandbox")]


def test_success_statuses_agree(contract: dict[str, Any], served: dict[str, Any]) -> None:
    written, actual = operations(contract), operations(served)
    for key, operation in written.items():
        def successes(op: dict[str, Any]) -> set[str]:
            return {code for code in op["responses"] if code.startswith(("2", "3"))}
        assert successes(operation) == successes(actual[key]), key


def test_request_bodies_name_the_same_schemas(contract: dict[str, Any], served: dict[str, Any]) -> None:
    written, actual = operations(contract), operations(served)
    for key, operation in written.items():
        if "requestBody" not in operation:
            continue
        written_types = {media: body["schema"].get("$ref", "").rsplit("/", 1)[-1]
                         for media, body in operation["requestBody"]["content"].items()}
        served_body = actual[key]["requestBody"]["content"]
        assert set(written_types) == set(served_body), key
        for media, name in written_types.items():
            served_schema = served_body[media]["schema"]
            served_name = served_schema.get("$ref", "").rsplit("/", 1)[-1] or served_schema.get("title")
            assert name == served_name, key


def test_header_parameters_agree(contract: dict[str, Any], served: dict[str, Any]) -> None:
    def parameters(document: dict[str, Any], operation: dict[str, Any]) -> set[tuple[str, str, bool]]:
        found = set()
        for listed in operation.get("parameters", []):
            parameter = listed
            if "$ref" in listed:
                parameter = document["components"]["parameters"][listed["$ref"].rsplit("/", 1)[-1]]
            found.add((parameter["in"], parameter["name"].lower(), bool(parameter.get("required"))))
        return found

    written, actual = operations(contract), operations(served)
    for key, operation in written.items():
        assert parameters(contract, operation) == parameters(served, actual[key]), key


@pytest.mark.parametrize("name", sorted(model_classes()))
def test_schema_properties_match_the_pydantic_model(contract: dict[str, Any], name: str) -> None:
    schemas = contract["components"]["schemas"]
    model = model_classes()[name]
    assert name in schemas, f"{name} is missing from the contract"
    written = schemas[name]
    generated = model.model_json_schema(mode="validation" if issubclass(model, models._Request) else "serialization")
    assert set(written.get("properties", {})) == set(generated.get("properties", {}))
    assert set(written.get("required", [])) == set(generated.get("required", []))
    closed = written.get("additionalProperties") is False
    assert closed == (model.model_config.get("extra") == "forbid"), "requests are closed, answers open"


@pytest.mark.parametrize("enum", [models.DossierState, models.CommandName])
def test_enums_match(contract: dict[str, Any], enum: type[StrEnum]) -> None:
    assert contract["components"]["schemas"][enum.__name__]["enum"] == [member.value for member in enum]


def test_every_contract_schema_is_used_or_a_model(contract: dict[str, Any]) -> None:
    text = CONTRACT_FILE.read_text(encoding="utf-8")
    for name in contract["components"]["schemas"]:
        assert f"#/components/schemas/{name}'" in text or name in model_classes(), name
