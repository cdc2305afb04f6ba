//! Payment plans: the person choosing or proposing one, the creditor reviewing it, the
//! policy that decides which, the stored records, and the lifecycle pass that keeps each plan's state true.
pub mod account_terms;
pub mod choose;
pub mod lifecycle;
pub mod policies;
pub mod records;
pub mod review;
