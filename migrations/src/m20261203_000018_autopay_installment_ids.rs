//! Automatic payment steps belong to an installment by its id, not its position: skipping a
//! payment renumbers the installments after it, and a reminder, charge or retry must stay with
//! the installment it was for. Existing steps are matched to their installment by position
//! (the only key they had). Autopay payment attempts also get the PaymentIntent id their step
//! held, so reconciliation can look them up like checkout payments.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD_INDEX: &str = "idx_autopay_steps_once";
const NEW_INDEX: &str = "idx_autopay_steps_once_per_installment";

const STEPS_BY_ID: &str = "UPDATE autopay_steps SET installment_id = (\
     SELECT i.id FROM installments i \
     WHERE i.plan_id = autopay_steps.plan_id AND i.seq = autopay_steps.installment_seq)";

const STEPS_BY_SEQ: &str = "UPDATE autopay_steps SET installment_seq = COALESCE((\
     SELECT i.seq FROM installments i WHERE i.id = autopay_steps.installment_id), 0)";

const INTENT_IDS_ON_ATTEMPTS: &str = "UPDATE payment_attempts SET provider_ref = (\
     SELECT MAX(s.provider_ref) FROM autopay_steps s WHERE s.attempt_id = payment_attempts.id) \
     WHERE provider_ref IS NULL AND purpose = 'autopay'";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AutopaySteps::Table)
                    .add_column(integer_null(AutopaySteps::InstallmentId))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(STEPS_BY_ID).await?;
        db.execute_unprepared(INTENT_IDS_ON_ATTEMPTS).await?;
        manager
            .drop_index(Index::drop().name(OLD_INDEX).to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(NEW_INDEX)
                    .table(AutopaySteps::Table)
                    .col(AutopaySteps::InstallmentId)
                    .col(AutopaySteps::Step)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AutopaySteps::Table)
                    .drop_column(AutopaySteps::InstallmentSeq)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AutopaySteps::Table)
                    .add_column(integer(AutopaySteps::InstallmentSeq).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(STEPS_BY_SEQ)
            .await?;
        manager
            .drop_index(Index::drop().name(NEW_INDEX).to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(OLD_INDEX)
                    .table(AutopaySteps::Table)
                    .col(AutopaySteps::PlanId)
                    .col(AutopaySteps::InstallmentSeq)
                    .col(AutopaySteps::Step)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AutopaySteps::Table)
                    .drop_column(AutopaySteps::InstallmentId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AutopaySteps {
    Table,
    PlanId,
    InstallmentSeq,
    InstallmentId,
    Step,
}
