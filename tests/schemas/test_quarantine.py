"""Quarantine reasons must be readable for every kind of pandera failure, nulls included."""

import pandas as pd
import pandera.pandas as pa
import pytest
from pandera.typing import Series

from schemas.quarantine import reasons_from_schema_errors


class Row(pa.DataFrameModel):
    title: Series[str] = pa.Field(nullable=False)
    seats: Series[int] = pa.Field(ge=0)


def failure_cases(frame: pd.DataFrame) -> pd.DataFrame:
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        Row.validate(frame, lazy=True)
    return caught.value.failure_cases


def test_one_reason_per_failing_row_with_nulls_spelled_out():
    reasons = reasons_from_schema_errors(failure_cases(pd.DataFrame({"title": ["ok", None, "x"], "seats": [1, 2, -1]})))
    assert reasons.to_dict() == {1: "title: not_nullable (got null)", 2: "seats: greater_than_or_equal_to(0) (got -1)"}


def test_several_failures_on_one_row_are_joined():
    reasons = reasons_from_schema_errors(failure_cases(pd.DataFrame({"title": [None], "seats": [-3]})))
    assert reasons[0].count(";") == 1 and "not_nullable" in reasons[0] and "(got -3)" in reasons[0]
