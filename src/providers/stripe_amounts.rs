//! Stripe's currency rules in one table, used both ways: our minor units to the amount Stripe
//! expects (checkout, PaymentIntents), and Stripe's amounts (webhooks, retrievals) back to our
//! minor units. Stripe does not always count a currency's decimals as ISO 4217 does
//! (<https://docs.stripe.com/currencies#special-cases>):
//!
//! - ISK has no decimals for us, but Stripe still takes it as a two-decimal currency: 5 krónur
//!   is sent as 500, and the amount must divide by 100.
//! - BHD, JOD, KWD, OMR and TND have three decimals at Stripe too, but the last digit must be 0.
//! - HUF and TWD are charged with two decimals (Stripe pays them out in whole units only, which
//!   is no concern of a charge).
//! - Every other currency has the decimals ISO gives it, zero-decimal ones (JPY, KRW) included.
//!
//! An amount Stripe cannot charge exactly is refused with a plain error, never rounded.
use crate::domain::{Currency, Money};

/// How Stripe counts one currency where it differs from ISO 4217.
struct StripeRule {
    code: &'static str,
    /// Decimal places in Stripe's integer amounts.
    stripe_digits: u32,
    /// Stripe's amount must be a multiple of this.
    multiple_of: i64,
}

const THREE_DECIMALS_ENDING_IN_ZERO: u32 = 3;

/// The special cases; a currency not listed follows ISO 4217 exactly.
const SPECIAL_CASES: [StripeRule; 8] = [
    StripeRule {
        code: "ISK",
        stripe_digits: 2,
        multiple_of: 100,
    },
    StripeRule {
        code: "HUF",
        stripe_digits: 2,
        multiple_of: 1,
    },
    StripeRule {
        code: "TWD",
        stripe_digits: 2,
        multiple_of: 1,
    },
    StripeRule {
        code: "BHD",
        stripe_digits: THREE_DECIMALS_ENDING_IN_ZERO,
        multiple_of: 10,
    },
    StripeRule {
        code: "JOD",
        stripe_digits: THREE_DECIMALS_ENDING_IN_ZERO,
        multiple_of: 10,
    },
    StripeRule {
        code: "KWD",
        stripe_digits: THREE_DECIMALS_ENDING_IN_ZERO,
        multiple_of: 10,
    },
    StripeRule {
        code: "OMR",
        stripe_digits: THREE_DECIMALS_ENDING_IN_ZERO,
        multiple_of: 10,
    },
    StripeRule {
        code: "TND",
        stripe_digits: THREE_DECIMALS_ENDING_IN_ZERO,
        multiple_of: 10,
    },
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StripeAmountError {
    #[error("{0} is not a currency we take payments in")]
    UnknownCurrency(String),
    #[error(
        "card payments in {code} must be a multiple of {step}: {amount} cannot be charged exactly"
    )]
    NotChargeable {
        code: &'static str,
        amount: String,
        step: String,
    },
    #[error("Stripe reported {stripe_amount} in {code}, which is not a whole number of our units")]
    NotOurUnits {
        code: &'static str,
        stripe_amount: i64,
    },
    #[error("the amount is too large")]
    Overflow,
}

impl StripeAmountError {
    /// The problem in words for the person paying.
    pub fn plain_words(&self) -> String {
        match self {
            Self::NotChargeable { code, step, .. } => format!(
                "Card payments in {code} must be a multiple of {code} {step}. Please change the amount."
            ),
            _ => "This amount cannot be paid by card. Please change the amount.".to_string(),
        }
    }
}

/// Stripe's decimals and multiple for `currency`.
fn rule(currency: Currency) -> (u32, i64) {
    SPECIAL_CASES
        .iter()
        .find(|r| r.code == currency.code())
        .map_or((currency.minor_digits(), 1), |r| {
            (r.stripe_digits, r.multiple_of)
        })
}

/// How many of Stripe's units make one of ours (ISK: 100), or `None` if Stripe counts fewer
/// decimals than we do (no currency we accept does).
fn scale(currency: Currency) -> Option<i64> {
    let (stripe_digits, _) = rule(currency);
    let extra = stripe_digits.checked_sub(currency.minor_digits())?;
    10_i64.checked_pow(extra)
}

/// Our amount, in Stripe's integer units; refused when Stripe cannot charge it exactly.
pub fn to_stripe(amount: Money) -> Result<i64, StripeAmountError> {
    let currency = amount.currency();
    let minor = amount.to_minor().map_err(|_| StripeAmountError::Overflow)?;
    let stripe_amount = scale(currency)
        .and_then(|factor| minor.checked_mul(factor))
        .ok_or(StripeAmountError::Overflow)?;
    let (stripe_digits, multiple_of) = rule(currency);
    if stripe_amount % multiple_of != 0 {
        let step = rust_decimal::Decimal::new(multiple_of, stripe_digits).normalize();
        return Err(StripeAmountError::NotChargeable {
            code: currency.code(),
            amount: amount.to_string(),
            step: step.to_string(),
        });
    }
    Ok(stripe_amount)
}

/// [`to_stripe`] from our stored minor units and ISO code.
pub fn minor_to_stripe(minor: i64, code: &str) -> Result<i64, StripeAmountError> {
    to_stripe(Money::from_minor(minor, parse(code)?))
}

/// Stripe's amount (from a webhook or a retrieval) in our minor units.
pub fn stripe_to_minor(stripe_amount: i64, code: &str) -> Result<i64, StripeAmountError> {
    let currency = parse(code)?;
    let factor = scale(currency).ok_or(StripeAmountError::Overflow)?;
    if stripe_amount % factor != 0 {
        return Err(StripeAmountError::NotOurUnits {
            code: currency.code(),
            stripe_amount,
        });
    }
    Ok(stripe_amount / factor)
}

fn parse(code: &str) -> Result<Currency, StripeAmountError> {
    Currency::parse(code).map_err(|_| StripeAmountError::UnknownCurrency(code.to_string()))
}

/// Whether Stripe can charge `amount` exactly: the pay page checks this before a checkout.
pub fn chargeable(amount: Money) -> Result<(), StripeAmountError> {
    to_stripe(amount).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn money(minor: i64, code: &str) -> Money {
        Money::from_minor(minor, Currency::parse(code).expect("currency"))
    }

    #[test]
    fn isk_goes_to_stripe_times_a_hundred_and_comes_back() {
        assert_eq!(to_stripe(money(5, "ISK")), Ok(500));
        assert_eq!(stripe_to_minor(500, "isk"), Ok(5));
        assert!(matches!(
            stripe_to_minor(550, "ISK"),
            Err(StripeAmountError::NotOurUnits { .. })
        ));
    }

    #[test]
    fn three_decimal_currencies_must_end_in_zero() {
        for code in ["BHD", "JOD", "KWD", "OMR", "TND"] {
            assert_eq!(to_stripe(money(5_120, code)), Ok(5_120));
            let refused = to_stripe(money(5_124, code)).expect_err("not chargeable");
            assert!(
                refused.to_string().contains("multiple of 0.01"),
                "{refused}"
            );
            assert_eq!(stripe_to_minor(5_120, code), Ok(5_120));
        }
    }

    #[test]
    fn ordinary_and_zero_decimal_currencies_pass_unchanged() {
        assert_eq!(to_stripe(money(106_500, "GBP")), Ok(106_500));
        assert_eq!(to_stripe(money(500, "JPY")), Ok(500));
        assert_eq!(to_stripe(money(12_345, "KRW")), Ok(12_345));
        assert_eq!(stripe_to_minor(500, "jpy"), Ok(500));
    }

    #[test]
    fn an_unknown_currency_is_refused() {
        assert!(matches!(
            minor_to_stripe(100, "XXX"),
            Err(StripeAmountError::UnknownCurrency(_))
        ));
    }

    fn any_currency() -> impl Strategy<Value = Currency> {
        let all: Vec<Currency> = Currency::all().collect();
        proptest::sample::select(all)
    }

    proptest! {
        /// Every currency the portal accepts: whatever Stripe can charge comes back exactly as
        /// it went, and whatever it cannot is refused rather than rounded.
        #[test]
        fn every_accepted_currency_round_trips_or_is_refused(
            minor in 0_i64..=1_000_000_000_000,
            currency in any_currency(),
        ) {
            let amount = Money::from_minor(minor, currency);
            match to_stripe(amount) {
                Ok(stripe_amount) => {
                    prop_assert_eq!(stripe_to_minor(stripe_amount, currency.code()), Ok(minor));
                    let (_, multiple_of) = rule(currency);
                    prop_assert_eq!(stripe_amount % multiple_of, 0);
                }
                Err(StripeAmountError::NotChargeable { .. }) => {
                    prop_assert_eq!(currency.minor_digits(), 3);
                    prop_assert!(minor % 10 != 0);
                }
                Err(other) => prop_assert!(false, "unexpected {other}"),
            }
        }
    }
}
