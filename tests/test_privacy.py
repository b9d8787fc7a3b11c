"""PII masking for distributed reports."""
from __future__ import annotations

import pandas as pd

from kamlib.privacy import mask_email, mask_frame, mask_name, mask_phone, pii_columns


def test_maskers_keep_only_a_recognisable_hint():
    assert mask_name("张伟") == "张*"
    assert mask_name("Zhang Wei") == "Z********"
    assert mask_phone("138-1234-5678") == "*******5678"
    assert mask_email("li.na@example.com") == "l***@example.com"
    assert mask_email("not an email") == "***"
    assert pd.isna(mask_name(None)) and pd.isna(mask_phone(float("nan")))


def test_pii_columns_follow_the_data_model():
    cols = pii_columns("customers")
    assert {"contact_name", "phone", "email", "account_manager"} <= set(cols)
    assert "name" not in cols and "name" in pii_columns("customers", mask_names=True)
    assert "respondent_name" in pii_columns("surveys")


def test_mask_frame_masks_present_columns_and_leaves_others():
    df = pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["华东机械", "<b>x</b>"],
                       "phone": ["13812345678", None], "revenue": [1.0, 2.0]})
    out = mask_frame(df, ("phone", "email", "name"))
    assert list(out["phone"].iloc[:1]) == ["*******5678"] and pd.isna(out["phone"].iloc[1])
    assert out["name"].tolist() == ["华***", "<*******"]
    assert out["customer_id"].tolist() == ["C1", "C2"] and out["revenue"].tolist() == [1.0, 2.0]
    assert df["phone"].iloc[0] == "13812345678"  # input untouched
