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
    assert {"contact_name", "phone", "email"} <= set(cols)
    # account names and account managers are business data: masked only with mask_names
    assert "name" not in cols and "account_manager" not in cols
    assert {"name", "account_manager"} <= set(pii_columns("customers", mask_names=True))
    assert "respondent_name" in pii_columns("surveys")


def test_mask_frame_masks_present_columns_and_leaves_others():
    df = pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["华东机械", "<b>x</b>"],
                       "phone": ["13812345678", None], "revenue": [1.0, 2.0]})
    out = mask_frame(df, ("phone", "email", "name"))
    assert list(out["phone"].iloc[:1]) == ["*******5678"] and pd.isna(out["phone"].iloc[1])
    assert out["name"].tolist() == ["华***", "<*******"]
    assert out["customer_id"].tolist() == ["C1", "C2"] and out["revenue"].tolist() == [1.0, 2.0]
    assert df["phone"].iloc[0] == "13812345678"  # input untouched


def test_column_masking_matches_the_value_maskers():
    """mask_frame masks whole columns with Arrow kernels; it must agree with the per-value functions."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    pool = ["张伟", "  李娜 ", "Zhang Wei", "", "   ", "x", "欧阳 修远", "\u3000王芳\u3000", "Ｏｋ", "\tTab\n", "é",
            "138-1234-5678", "+86 (21) 6123 4567", "１３８１２３４５６７８", "12", "no digits", "٣٤٥٦٧٨٩"]
    values = [pool[i] for i in rng.integers(0, len(pool), 400)] + [None, pd.NA, np.nan]
    for dtype in (pd.StringDtype("pyarrow"), object):
        df = pd.DataFrame({"contact_name": values, "phone": values, "name": values}).astype(dtype)
        masked = mask_frame(df, ["contact_name", "phone", "name"])
        for col, fn in (("contact_name", mask_name), ("phone", mask_phone), ("name", mask_name)):
            expected = [fn(v) for v in df[col]]
            got = masked[col].tolist()
            for v, e, g in zip(df[col], expected, got, strict=True):
                if e is None or (not isinstance(e, str) and pd.isna(e)):
                    assert g is None or pd.isna(g), (col, v, g)
                else:
                    assert g == e, (col, repr(v), e, g)
        assert str(masked["phone"].dtype) == str(df["phone"].dtype)
    ints = mask_frame(pd.DataFrame({"phone": [13812345678, 21]}, dtype=object), ["phone"])
    assert ints["phone"].tolist() == [mask_phone(13812345678), mask_phone(21)]
