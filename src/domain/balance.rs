//! Explaining a balance: how the amount a person owes was built up, one
//! entry at a time, with totals that visibly add up.
//!
//! People who are worried about a debt need to be able to check it. So every
//! explanation satisfies one simple rule that can be checked by hand:
//!
//! ```text
//! original + fees and interest + other additions - paid and credited = balance
//! ```
//!
//! and the balance is also the running balance after the last entry.

use chrono::NaiveDate;

use super::money::{Currency, Money, MoneyError};

stored_enum! {
    /// What a ledger entry is for. Stored in `ledger_entries.kind`; listed in the order
    /// they are usually explained.
    #[derive(PartialOrd, Ord)]
    pub enum EntryKind {
        /// The amount originally owed.
        Principal = "principal",
        Fee = "fee",
        Interest = "interest",
        Payment = "payment",
        Credit = "credit",
        /// A correction, in either direction.
        Adjustment = "adjustment",
        /// A payment that was taken back, e.g. a bounced direct debit.
        Reversal = "reversal",
        Discount = "discount",
    }
}

stored_enum! {
    /// Where a ledger entry came from. Stored in `ledger_entries.origin`. A re-import of the
    /// creditor's file is compared only with the creditor's entries, so nothing booked in the
    /// portal is undone by it.
    pub enum EntryOrigin {
        /// The creditor's own records: an imported file's items and later import adjustments.
        Creditor = "creditor",
        /// Booked in the portal: payments, discounts, refunds.
        Portal = "portal",
    }
}

impl EntryKind {
    /// Plain words to show the person who owes the money.
    pub fn label(self) -> &'static str {
        match self {
            EntryKind::Principal => "Amount owed",
            EntryKind::Fee => "Fee",
            EntryKind::Interest => "Interest",
            EntryKind::Payment => "Payment",
            EntryKind::Credit => "Credit",
            EntryKind::Adjustment => "Adjustment",
            EntryKind::Reversal => "Payment reversed",
            EntryKind::Discount => "Discount",
        }
    }

    /// Fees and interest add to what someone owes without them doing
    /// anything, so they must always come with a reason the person can read.
    pub fn needs_reason(self) -> bool {
        matches!(self, EntryKind::Fee | EntryKind::Interest)
    }
}

/// One entry on an account.
///
/// Sign convention: a positive `amount` increases what the person owes
/// (principal, fee, interest, reversal, an upward adjustment); a negative
/// amount decreases it (payment, credit, discount, a downward adjustment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerItem {
    /// Unique per account; breaks ties between entries on the same date.
    pub id: i64,
    pub date: NaiveDate,
    pub kind: EntryKind,
    pub amount: Money,
    pub description: String,
    pub reason: Option<String>,
}

/// A ledger entry together with the balance straight after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainedItem {
    pub item: LedgerItem,
    /// What was owed once this entry was applied.
    pub running_balance: Money,
    /// True when this entry made the balance go up.
    pub increases: bool,
}

impl ExplainedItem {
    /// The amount without a sign, for showing in an "added" or "taken off"
    /// column; [`ExplainedItem::increases`] says which.
    pub fn shown_amount(&self) -> Money {
        self.item.amount.abs()
    }

    /// True when this entry made the balance go down.
    pub fn decreases(&self) -> bool {
        self.item.amount.is_negative()
    }

    pub fn label(&self) -> &'static str {
        self.item.kind.label()
    }

    pub fn date(&self) -> NaiveDate {
        self.item.date
    }

    pub fn kind(&self) -> EntryKind {
        self.item.kind
    }

    pub fn description(&self) -> &str {
        &self.item.description
    }

    pub fn reason(&self) -> Option<&str> {
        self.item.reason.as_deref()
    }
}

/// The headline figures for a balance.
///
/// Always: `original + fees_and_interest + other_additions -
/// paid_and_credited == balance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    /// All principal entries: what was originally owed.
    pub original: Money,
    pub fees_and_interest: Money,
    /// Reversed payments, upward adjustments and anything else that added to
    /// the balance.
    pub other_additions: Money,
    /// Everything that reduced the balance, as a positive amount.
    pub paid_and_credited: Money,
    pub balance: Money,
}

impl Totals {
    fn zero(currency: Currency) -> Totals {
        let zero = Money::zero(currency);
        Totals {
            original: zero,
            fees_and_interest: zero,
            other_additions: zero,
            paid_and_credited: zero,
            balance: zero,
        }
    }

    /// Adds one entry to the right heading and to the balance.
    ///
    /// Entries are put under a heading by their sign first, so even an entry
    /// with an unexpected sign (say, a negative fee) cannot break the rule
    /// that the headings add up to the balance.
    fn add(&mut self, item: &LedgerItem) -> Result<(), MoneyError> {
        let amount = item.amount;
        if amount.is_negative() {
            self.paid_and_credited = self.paid_and_credited.checked_sub(&amount)?;
        } else {
            let heading = match item.kind {
                EntryKind::Principal => &mut self.original,
                EntryKind::Fee | EntryKind::Interest => &mut self.fees_and_interest,
                _ => &mut self.other_additions,
            };
            *heading = heading.checked_add(&amount)?;
        }
        self.balance = self.balance.checked_add(&amount)?;
        Ok(())
    }
}

/// A balance with every entry that made it, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceExplanation {
    currency: Currency,
    items: Vec<ExplainedItem>,
    totals: Totals,
}

impl BalanceExplanation {
    /// Entries oldest first, each with the balance after it.
    pub fn items(&self) -> &[ExplainedItem] {
        &self.items
    }

    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    pub fn balance(&self) -> Money {
        self.totals.balance
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Nothing more is owed (the balance is zero or in credit).
    pub fn is_settled(&self) -> bool {
        !self.balance().is_positive()
    }

    /// How much the person has overpaid, if they have.
    pub fn credit(&self) -> Option<Money> {
        let balance = self.balance();
        balance.is_negative().then(|| balance.abs())
    }
}

/// Puts entries in date order and works out the running balance and totals.
///
/// Entries on the same date are ordered by id, so the result does not depend
/// on the order the entries were loaded in. Every entry must be in
/// `currency`.
pub fn explain(
    currency: Currency,
    mut items: Vec<LedgerItem>,
) -> Result<BalanceExplanation, MoneyError> {
    ensure_all_in_currency(currency, &items)?;
    items.sort_by_key(|item| (item.date, item.id));

    let mut totals = Totals::zero(currency);
    let mut explained = Vec::with_capacity(items.len());
    for item in items {
        totals.add(&item)?;
        explained.push(ExplainedItem {
            increases: item.amount.is_positive(),
            running_balance: totals.balance,
            item,
        });
    }
    Ok(BalanceExplanation {
        currency,
        items: explained,
        totals,
    })
}

fn ensure_all_in_currency(currency: Currency, items: &[LedgerItem]) -> Result<(), MoneyError> {
    match items.iter().find(|item| item.amount.currency() != currency) {
        Some(item) => Err(MoneyError::CurrencyMismatch {
            expected: currency,
            found: item.amount.currency(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn gbp(minor: i64) -> Money {
        Money::from_minor(minor, Currency::GBP)
    }

    fn day(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, n).expect("valid test date")
    }

    fn entry(id: i64, date: NaiveDate, kind: EntryKind, minor: i64) -> LedgerItem {
        LedgerItem {
            id,
            date,
            kind,
            amount: gbp(minor),
            description: format!("{} {id}", kind.label()),
            reason: kind.needs_reason().then(|| "Late payment".to_string()),
        }
    }

    fn check_totals_add_up(explanation: &BalanceExplanation) -> Result<(), MoneyError> {
        let totals = explanation.totals();
        let from_headings = totals
            .original
            .checked_add(&totals.fees_and_interest)?
            .checked_add(&totals.other_additions)?
            .checked_sub(&totals.paid_and_credited)?;
        assert_eq!(from_headings, totals.balance);
        let sum = Money::sum(
            explanation.currency(),
            explanation.items().iter().map(|e| e.item.amount),
        )?;
        assert_eq!(sum, totals.balance);
        let last = explanation
            .items()
            .last()
            .map_or(Money::zero(explanation.currency()), |e| e.running_balance);
        assert_eq!(last, totals.balance);
        Ok(())
    }

    #[test]
    fn entry_kind_names_round_trip() {
        for kind in EntryKind::ALL {
            assert_eq!(EntryKind::parse(kind.as_str()), Some(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        assert_eq!(EntryKind::parse(" Fee "), Some(EntryKind::Fee));
        assert_eq!(EntryKind::parse("penalty"), None);
        assert_eq!(EntryKind::parse(""), None);
    }

    #[test]
    fn entry_origins_are_stored_as_the_migration_writes_them() {
        crate::domain::stored::tests::round_trips(&EntryOrigin::ALL, |o| o.as_str());
        assert_eq!(
            EntryOrigin::ALL.map(EntryOrigin::as_str),
            ["creditor", "portal"]
        );
    }

    #[test]
    fn entry_kinds_are_stored_as_before() {
        crate::domain::stored::tests::round_trips(&EntryKind::ALL, |k| k.as_str());
        assert_eq!(
            EntryKind::ALL.map(EntryKind::as_str),
            [
                "principal",
                "fee",
                "interest",
                "payment",
                "credit",
                "adjustment",
                "reversal",
                "discount"
            ]
        );
    }

    #[test]
    fn entry_kind_labels_and_reasons() {
        assert_eq!(EntryKind::Principal.label(), "Amount owed");
        assert_eq!(EntryKind::Reversal.label(), "Payment reversed");
        let needing_reason: Vec<_> = EntryKind::ALL
            .into_iter()
            .filter(|kind| kind.needs_reason())
            .collect();
        assert_eq!(needing_reason, [EntryKind::Fee, EntryKind::Interest]);
    }

    #[test]
    fn explains_a_typical_account() -> Result<(), MoneyError> {
        let items = vec![
            entry(4, day(20), EntryKind::Payment, -5000),
            entry(1, day(1), EntryKind::Principal, 100_000),
            entry(3, day(10), EntryKind::Interest, 1250),
            entry(2, day(10), EntryKind::Fee, 2500),
            entry(5, day(25), EntryKind::Reversal, 5000),
            entry(6, day(26), EntryKind::Adjustment, -750),
            entry(7, day(27), EntryKind::Discount, -10_000),
        ];
        let explanation = explain(Currency::GBP, items)?;

        let ids: Vec<i64> = explanation.items().iter().map(|e| e.item.id).collect();
        assert_eq!(ids, [1, 2, 3, 4, 5, 6, 7]);
        let running: Vec<Money> = explanation
            .items()
            .iter()
            .map(|e| e.running_balance)
            .collect();
        assert_eq!(
            running,
            [
                gbp(100_000),
                gbp(102_500),
                gbp(103_750),
                gbp(98_750),
                gbp(103_750),
                gbp(103_000),
                gbp(93_000)
            ]
        );
        assert_eq!(
            *explanation.totals(),
            Totals {
                original: gbp(100_000),
                fees_and_interest: gbp(3750),
                other_additions: gbp(5000),
                paid_and_credited: gbp(15_750),
                balance: gbp(93_000),
            }
        );
        let payment = &explanation.items()[3];
        assert!(!payment.increases);
        assert!(payment.decreases());
        assert_eq!(payment.shown_amount(), gbp(5000));
        assert_eq!(payment.label(), "Payment");
        assert!(!explanation.is_settled());
        assert_eq!(explanation.credit(), None);
        check_totals_add_up(&explanation)
    }

    #[test]
    fn an_empty_account_is_settled_at_zero() -> Result<(), MoneyError> {
        let explanation = explain(Currency::GBP, Vec::new())?;
        assert!(explanation.items().is_empty());
        assert_eq!(explanation.balance(), gbp(0));
        assert!(explanation.is_settled());
        assert_eq!(explanation.credit(), None);
        Ok(())
    }

    #[test]
    fn overpaying_leaves_a_credit() -> Result<(), MoneyError> {
        let explanation = explain(
            Currency::GBP,
            vec![
                entry(1, day(1), EntryKind::Principal, 1000),
                entry(2, day(2), EntryKind::Payment, -1500),
            ],
        )?;
        assert!(explanation.is_settled());
        assert_eq!(explanation.credit(), Some(gbp(500)));
        assert_eq!(explanation.balance(), gbp(-500));
        Ok(())
    }

    #[test]
    fn entries_in_another_currency_are_refused() {
        let mut euro_fee = entry(2, day(2), EntryKind::Fee, 100);
        euro_fee.amount = Money::from_minor(100, Currency::EUR);
        let result = explain(
            Currency::GBP,
            vec![entry(1, day(1), EntryKind::Principal, 1000), euro_fee],
        );
        assert_eq!(
            result,
            Err(MoneyError::CurrencyMismatch {
                expected: Currency::GBP,
                found: Currency::EUR
            })
        );
    }

    #[test]
    fn entries_with_unexpected_signs_still_add_up() -> Result<(), MoneyError> {
        let explanation = explain(
            Currency::GBP,
            vec![
                entry(1, day(1), EntryKind::Principal, 1000),
                entry(2, day(2), EntryKind::Fee, -100),
                entry(3, day(3), EntryKind::Payment, 50),
                entry(4, day(4), EntryKind::Adjustment, 0),
            ],
        )?;
        let totals = explanation.totals();
        assert_eq!(totals.paid_and_credited, gbp(100));
        assert_eq!(totals.other_additions, gbp(50));
        assert!(!explanation.items()[3].increases);
        check_totals_add_up(&explanation)
    }

    fn any_kind() -> impl Strategy<Value = EntryKind> {
        proptest::sample::select(EntryKind::ALL.to_vec())
    }

    /// A signed amount that matches the sign convention for `kind`.
    fn amount_for(kind: EntryKind) -> BoxedStrategy<i64> {
        const MAX: i64 = 100_000_000_000;
        match kind {
            EntryKind::Principal | EntryKind::Fee | EntryKind::Interest | EntryKind::Reversal => {
                (1..=MAX).boxed()
            }
            EntryKind::Payment | EntryKind::Credit | EntryKind::Discount => (-MAX..=-1).boxed(),
            EntryKind::Adjustment => prop_oneof![1..=MAX, -MAX..=-1].boxed(),
        }
    }

    fn any_entry_without_id() -> impl Strategy<Value = LedgerItem> {
        let kind_and_amount = any_kind().prop_flat_map(|kind| (Just(kind), amount_for(kind)));
        (kind_and_amount, 0_u32..1000).prop_map(|((kind, minor), days)| {
            let start = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
            let date = start + chrono::Days::new(u64::from(days));
            entry(0, date, kind, minor)
        })
    }

    /// Entries with unique ids, as they would come from the database.
    fn any_ledger() -> impl Strategy<Value = Vec<LedgerItem>> {
        proptest::collection::vec(any_entry_without_id(), 0..40).prop_map(|mut items| {
            for (id, item) in (1..).zip(items.iter_mut()) {
                item.id = id;
            }
            items
        })
    }

    proptest! {
        #[test]
        fn totals_always_add_up_to_the_balance(items in any_ledger()) {
            let explanation = explain(Currency::GBP, items.clone())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            check_totals_add_up(&explanation)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(explanation.items().len(), items.len());
            for explained in explanation.items() {
                prop_assert_eq!(explained.increases, explained.item.amount.is_positive());
                prop_assert!(!explained.shown_amount().is_negative());
            }
            let dates_in_order = explanation
                .items()
                .windows(2)
                .all(|pair| (pair[0].item.date, pair[0].item.id) <= (pair[1].item.date, pair[1].item.id));
            prop_assert!(dates_in_order);
        }

        #[test]
        fn explanation_does_not_depend_on_input_order(
            (items, shuffled) in any_ledger().prop_flat_map(|items| {
                (Just(items.clone()), Just(items).prop_shuffle())
            })
        ) {
            let original = explain(Currency::GBP, items);
            let reordered = explain(Currency::GBP, shuffled);
            prop_assert_eq!(original, reordered);
        }
    }
}
