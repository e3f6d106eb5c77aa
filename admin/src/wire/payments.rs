//! What the payments page and its API speak. Money is in the currency's smallest unit: kopecks
//! for RUB, stars for XTR.

use serde::{Deserialize, Serialize};

use crate::format::encode;

/// `GET /admin/api/payments` and `/admin/api/payments.csv`: every field narrows the list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
#[serde(default)]
pub struct PaymentFilter {
    /// `pending`, `succeeded`, `canceled`, or `refunded` (anything refunded); empty is any.
    #[cfg_attr(
        feature = "ssr",
        param(pattern = r"^(pending|succeeded|canceled|refunded)?$")
    )]
    pub status: Option<String>,
    /// The first day, `YYYY-MM-DD` (UTC).
    #[cfg_attr(feature = "ssr", param(format = Date))]
    pub from: Option<String>,
    /// The last day, `YYYY-MM-DD` (UTC), included.
    #[cfg_attr(feature = "ssr", param(format = Date))]
    pub to: Option<String>,
    /// In the currency's smallest unit.
    pub min_amount: Option<u64>,
    pub max_amount: Option<u64>,
    pub plan_id: Option<i64>,
    /// The promo code the payment used, exactly (in any case).
    pub promo: Option<String>,
    /// `yookassa`, `stars` or `free`.
    pub provider: Option<String>,
    /// From 1 (the default) to 1000000.
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 1_000_000))]
    pub page: Option<u64>,
    /// Rows a page, 1 to 200 (50 by default).
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 200))]
    pub per_page: Option<u64>,
}

impl PaymentFilter {
    pub const PER_PAGE: u64 = 50;

    /// The query string (without `?`), empty values left out.
    pub fn query(&self) -> String {
        let number = |value: Option<u64>| value.map(|v| v.to_string());
        [
            ("status", self.status.clone()),
            ("from", self.from.clone()),
            ("to", self.to.clone()),
            ("min_amount", number(self.min_amount)),
            ("max_amount", number(self.max_amount)),
            ("plan_id", self.plan_id.map(|v| v.to_string())),
            ("promo", self.promo.clone()),
            ("provider", self.provider.clone()),
            ("page", number(self.page)),
            ("per_page", number(self.per_page)),
        ]
        .into_iter()
        .filter_map(|(name, value)| {
            let value = value?;
            let value = value.trim();
            (!value.is_empty()).then(|| format!("{name}={}", encode(value)))
        })
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// One payment in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PaymentRow {
    pub id: i64,
    /// RFC 3339.
    pub created_at: String,
    pub driver_id: i64,
    pub driver_telegram_id: Option<i64>,
    pub driver_name: String,
    pub plan_id: i64,
    pub days: i32,
    pub provider: String,
    pub provider_payment_id: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub refunded: i64,
    pub status: String,
    pub promo_code: Option<String>,
}

/// What the filtered payments add up to, per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CurrencyTotal {
    pub currency: String,
    pub count: i64,
    pub amount: i64,
    pub refunded: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PaymentList {
    pub rows: Vec<PaymentRow>,
    /// Payments matching the filter, across all pages.
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub totals: Vec<CurrencyTotal>,
}

/// One entry of a payment's history: a notification (its raw body in `detail`), a status
/// change, a refund, a suspicious event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PaymentEventView {
    pub id: i64,
    pub at: String,
    pub kind: String,
    pub detail: String,
    pub remote_addr: Option<String>,
    pub suspicious: bool,
}

/// The driver behind a payment, and their access now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PaymentDriver {
    pub id: i64,
    pub telegram_id: i64,
    pub name: String,
    pub username: Option<String>,
    pub access_active: bool,
    pub access_until: Option<String>,
    pub days_left: u32,
}

/// `GET /admin/api/payments/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PaymentDetail {
    pub payment: PaymentRow,
    pub driver: Option<PaymentDriver>,
    pub history: Vec<PaymentEventView>,
    /// What may still be refunded; zero when nothing can be.
    pub refundable: i64,
}

/// `POST /admin/api/payments/{id}/refunds`: everything not yet refunded without an amount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 1))]
    pub amount_kopecks: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RefundDone {
    pub refund_id: String,
    pub amount_kopecks: u64,
    pub refunded_kopecks: u64,
    pub access_until: String,
}

/// Roubles as people write them: `1990`, `1990.5`, `1 990,50`. `None` for anything else.
pub fn parse_roubles(text: &str) -> Option<u64> {
    let text: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > 2
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let fraction: u64 = format!("{fraction:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(fraction)
}

/// Kopecks as roubles: `1990.00`.
pub fn roubles(kopecks: i64) -> String {
    let sign = if kopecks < 0 { "-" } else { "" };
    let kopecks = kopecks.unsigned_abs();
    format!("{sign}{}.{:02}", kopecks / 100, kopecks % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roubles_are_read_as_people_write_them() {
        assert_eq!(parse_roubles("1990"), Some(199_000));
        assert_eq!(parse_roubles("995,5"), Some(99_550));
        assert_eq!(parse_roubles("1 990.05"), Some(199_005));
        assert_eq!(parse_roubles("1.234"), None);
        assert_eq!(parse_roubles("-5"), None);
        assert_eq!(parse_roubles(""), None);
        assert_eq!(roubles(199_005), "1990.05");
    }

    #[test]
    fn a_filter_becomes_a_query_without_its_empty_fields() {
        let filter = PaymentFilter {
            status: Some("succeeded".into()),
            promo: Some("LETO 1&2".into()),
            from: Some(String::new()),
            page: Some(2),
            ..PaymentFilter::default()
        };
        assert_eq!(filter.query(), "status=succeeded&promo=LETO%201%262&page=2");
    }
}
