//! Pages for the person who owes money.
pub mod account;
pub mod autopay;
pub mod contact;
pub mod go;
pub mod link;
pub mod pay;
pub mod plan_choose;
pub mod plan_forms;
pub mod plan_manage;
pub mod plan_views;
pub mod sign_in;
pub mod unsubscribe;
