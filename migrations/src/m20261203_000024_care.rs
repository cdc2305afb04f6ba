//! Care: what a person in difficulty tells us and what we do about it. Holds gain a kind (a
//! staff hold, a dispute, a breathing space) and may end on their own at a set time; a
//! hardship statement keeps what changed and the monthly figures; extra support is kept per
//! creditor record with the person's consent; disputes, message threads and their attachments
//! (the file in its own table, so lists never load it); one-question feedback; each creditor's
//! list of free debt advice services; and requests to erase personal data.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        extend_existing(manager).await?;
        create_hardship(manager).await?;
        create_support(manager).await?;
        create_attachments(manager).await?;
        create_disputes(manager).await?;
        create_messages(manager).await?;
        create_feedback(manager).await?;
        create_advice(manager).await?;
        create_erasure(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ErasureRequests::Table.into_iden(),
            AdviceServices::Table.into_iden(),
            Feedback::Table.into_iden(),
            Messages::Table.into_iden(),
            DisputeEntries::Table.into_iden(),
            Disputes::Table.into_iden(),
            AttachmentContents::Table.into_iden(),
            Attachments::Table.into_iden(),
            SupportNeeds::Table.into_iden(),
            HardshipStatements::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_account_holds_kind")
                    .table(AccountHolds::Table)
                    .to_owned(),
            )
            .await?;
        for (table, column) in [
            (
                AccountHolds::Table.into_iden(),
                AccountHolds::Kind.into_iden(),
            ),
            (
                AccountHolds::Table.into_iden(),
                AccountHolds::NoticeSentAt.into_iden(),
            ),
            (
                PlanPolicies::Table.into_iden(),
                PlanPolicies::BreathingSpaceMaxDays.into_iden(),
            ),
            (Plans::Table.into_iden(), Plans::HardshipId.into_iden()),
            (Debtors::Table.into_iden(), Debtors::ErasedAt.into_iden()),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// SQLite alters one column per statement.
async fn add_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: ColumnDef,
) -> Result<(), DbErr> {
    let mut column = column;
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(&mut column)
                .to_owned(),
        )
        .await
}

async fn extend_existing(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    // Every hold so far was started by staff.
    add_column(
        manager,
        AccountHolds::Table,
        string_len(AccountHolds::Kind, 24)
            .default("staff")
            .to_owned(),
    )
    .await?;
    // When the person was told that a breathing space is about to end.
    add_column(
        manager,
        AccountHolds::Table,
        timestamp_with_time_zone_null(AccountHolds::NoticeSentAt),
    )
    .await?;
    add_column(
        manager,
        PlanPolicies::Table,
        integer(PlanPolicies::BreathingSpaceMaxDays)
            .default(60)
            .to_owned(),
    )
    .await?;
    // A plan or proposal made from a hardship statement carries its figures.
    add_column(manager, Plans::Table, integer_null(Plans::HardshipId)).await?;
    add_column(
        manager,
        Debtors::Table,
        timestamp_with_time_zone_null(Debtors::ErasedAt),
    )
    .await?;
    index(
        manager,
        "idx_account_holds_kind",
        AccountHolds::Table,
        [
            AccountHolds::Kind.into_iden(),
            AccountHolds::EndedAt.into_iden(),
        ],
    )
    .await
}

async fn index<const N: usize>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    columns: [DynIden; N],
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    manager.create_index(index.to_owned()).await
}

fn to_account(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Accounts::Table, Accounts::Id)
        .to_owned()
}

fn to_debtor(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Debtors::Table, Debtors::Id)
        .to_owned()
}

fn to_creditor(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Creditors::Table, Creditors::Id)
        .to_owned()
}

/// Money a month, in minor units; none when the person skipped the form.
fn monthly(column: HardshipStatements) -> ColumnDef {
    big_integer_null(column)
}

async fn create_hardship(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use HardshipStatements as H;
    manager
        .create_table(
            Table::create()
                .table(H::Table)
                .col(pk_auto(H::Id))
                .col(integer(H::AccountId))
                .col(integer(H::DebtorId))
                .col(integer(H::CreditorId))
                .col(string_len(H::Reason, 24))
                .col(string_len(H::Currency, 3))
                .col(monthly(H::IncomeMinor))
                .col(monthly(H::HousingMinor))
                .col(monthly(H::UtilitiesMinor))
                .col(monthly(H::FoodMinor))
                .col(monthly(H::TransportMinor))
                .col(monthly(H::OtherDebtsMinor))
                .col(monthly(H::OtherMinor))
                .col(monthly(H::LeftMinor))
                .col(string_len(H::Outcome, 24).default("undecided"))
                .col(timestamp_with_time_zone(H::CreatedAt))
                .foreign_key(&mut to_account(H::Table, H::AccountId))
                .foreign_key(&mut to_debtor(H::Table, H::DebtorId))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "idx_hardship_account",
        H::Table,
        [H::AccountId.into_iden()],
    )
    .await?;
    index(
        manager,
        "idx_hardship_creditor",
        H::Table,
        [H::CreditorId.into_iden(), H::CreatedAt.into_iden()],
    )
    .await
}

async fn create_support(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use SupportNeeds as S;
    manager
        .create_table(
            Table::create()
                .table(S::Table)
                .col(pk_auto(S::Id))
                .col(integer(S::DebtorId))
                .col(integer(S::CreditorId))
                .col(text(S::Words))
                .col(timestamp_with_time_zone(S::ConsentedAt))
                .col(timestamp_with_time_zone_null(S::WithdrawnAt))
                .foreign_key(&mut to_debtor(S::Table, S::DebtorId))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "idx_support_debtor",
        S::Table,
        [S::DebtorId.into_iden(), S::WithdrawnAt.into_iden()],
    )
    .await
}

async fn create_attachments(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use Attachments as A;
    manager
        .create_table(
            Table::create()
                .table(A::Table)
                .col(pk_auto(A::Id))
                .col(integer(A::AccountId))
                .col(integer(A::DebtorId))
                .col(integer(A::CreditorId))
                .col(integer_null(A::StaffUserId))
                .col(string_len(A::FileName, 255))
                .col(string_len(A::ContentType, 32))
                .col(big_integer(A::SizeBytes))
                .col(char_len(A::Sha256, 64))
                .col(timestamp_with_time_zone(A::CreatedAt))
                .col(timestamp_with_time_zone_null(A::ErasedAt))
                .foreign_key(&mut to_account(A::Table, A::AccountId))
                .to_owned(),
        )
        .await?;
    use AttachmentContents as C;
    manager
        .create_table(
            Table::create()
                .table(C::Table)
                .col(
                    ColumnDef::new(C::AttachmentId)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(blob(C::Bytes))
                .foreign_key(
                    ForeignKey::create()
                        .from(C::Table, C::AttachmentId)
                        .to(A::Table, A::Id),
                )
                .to_owned(),
        )
        .await
}

async fn create_disputes(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use Disputes as D;
    manager
        .create_table(
            Table::create()
                .table(D::Table)
                .col(pk_auto(D::Id))
                .col(integer(D::AccountId))
                .col(integer(D::DebtorId))
                .col(integer(D::CreditorId))
                .col(string_len(D::Reason, 24))
                .col(string_len(D::Status, 16).default("open"))
                .col(integer_null(D::HoldId))
                .col(text_null(D::Answer))
                .col(big_integer_null(D::AdjustmentMinor))
                .col(integer_null(D::AnsweredBy))
                .col(timestamp_with_time_zone_null(D::AnsweredAt))
                .col(timestamp_with_time_zone(D::OpenedAt))
                .foreign_key(&mut to_account(D::Table, D::AccountId))
                .to_owned(),
        )
        .await?;
    // At most one open dispute per account: a second one adds to it.
    manager
        .get_connection()
        .execute_unprepared(
            "CREATE UNIQUE INDEX idx_disputes_one_open ON disputes (account_id) \
             WHERE status = 'open'",
        )
        .await?;
    index(
        manager,
        "idx_disputes_creditor_status",
        D::Table,
        [
            D::CreditorId.into_iden(),
            D::Status.into_iden(),
            D::OpenedAt.into_iden(),
        ],
    )
    .await?;
    use DisputeEntries as E;
    manager
        .create_table(
            Table::create()
                .table(E::Table)
                .col(pk_auto(E::Id))
                .col(integer(E::DisputeId))
                .col(string_len(E::Reason, 24))
                .col(text(E::Details))
                .col(integer_null(E::AttachmentId))
                .col(timestamp_with_time_zone(E::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(E::Table, E::DisputeId)
                        .to(D::Table, D::Id),
                )
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "idx_dispute_entries_dispute",
        E::Table,
        [E::DisputeId.into_iden()],
    )
    .await
}

async fn create_messages(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use Messages as M;
    manager
        .create_table(
            Table::create()
                .table(M::Table)
                .col(pk_auto(M::Id))
                .col(integer(M::AccountId))
                .col(integer(M::DebtorId))
                .col(integer(M::CreditorId))
                .col(integer_null(M::StaffUserId))
                .col(text(M::Body))
                .col(integer_null(M::AttachmentId))
                .col(timestamp_with_time_zone(M::CreatedAt))
                .col(timestamp_with_time_zone_null(M::ReadAt))
                .foreign_key(&mut to_account(M::Table, M::AccountId))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "idx_messages_account",
        M::Table,
        [M::AccountId.into_iden(), M::CreatedAt.into_iden()],
    )
    .await?;
    index(
        manager,
        "idx_messages_creditor",
        M::Table,
        [M::CreditorId.into_iden(), M::CreatedAt.into_iden()],
    )
    .await
}

async fn create_feedback(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use Feedback as F;
    manager
        .create_table(
            Table::create()
                .table(F::Table)
                .col(pk_auto(F::Id))
                .col(integer(F::AccountId))
                .col(integer(F::DebtorId))
                .col(integer(F::CreditorId))
                .col(string_len(F::Moment, 24))
                .col(small_integer_null(F::Score))
                .col(text_null(F::Comment))
                .col(timestamp_with_time_zone(F::CreatedAt))
                .foreign_key(&mut to_account(F::Table, F::AccountId))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "idx_feedback_creditor",
        F::Table,
        [F::CreditorId.into_iden(), F::CreatedAt.into_iden()],
    )
    .await
}

async fn create_advice(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use AdviceServices as S;
    manager
        .create_table(
            Table::create()
                .table(S::Table)
                .col(pk_auto(S::Id))
                .col(integer(S::CreditorId))
                .col(integer(S::Position))
                .col(string_len(S::Name, 120))
                .col(string_len(S::Url, 255))
                .col(string_len_null(S::Phone, 40))
                .col(string_len(S::Description, 500))
                .foreign_key(&mut to_creditor(S::Table, S::CreditorId))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "idx_advice_creditor",
        S::Table,
        [S::CreditorId.into_iden(), S::Position.into_iden()],
    )
    .await
}

async fn create_erasure(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use ErasureRequests as E;
    manager
        .create_table(
            Table::create()
                .table(E::Table)
                .col(pk_auto(E::Id))
                .col(integer(E::DebtorId))
                .col(integer(E::CreditorId))
                .col(string_len(E::Status, 16).default("requested"))
                .col(text_null(E::Note))
                .col(timestamp_with_time_zone(E::RequestedAt))
                .col(integer_null(E::DecidedBy))
                .col(timestamp_with_time_zone_null(E::DecidedAt))
                .foreign_key(&mut to_debtor(E::Table, E::DebtorId))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        "idx_erasure_status",
        E::Table,
        [E::Status.into_iden(), E::RequestedAt.into_iden()],
    )
    .await
}

#[derive(DeriveIden, Clone)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Debtors {
    Table,
    Id,
    ErasedAt,
}

#[derive(DeriveIden)]
enum Creditors {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AccountHolds {
    Table,
    Kind,
    NoticeSentAt,
    EndedAt,
}

#[derive(DeriveIden)]
enum PlanPolicies {
    Table,
    BreathingSpaceMaxDays,
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    HardshipId,
}

#[derive(DeriveIden, Clone, Copy)]
enum HardshipStatements {
    Table,
    Id,
    AccountId,
    DebtorId,
    CreditorId,
    Reason,
    Currency,
    IncomeMinor,
    HousingMinor,
    UtilitiesMinor,
    FoodMinor,
    TransportMinor,
    OtherDebtsMinor,
    OtherMinor,
    LeftMinor,
    Outcome,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SupportNeeds {
    Table,
    Id,
    DebtorId,
    CreditorId,
    Words,
    ConsentedAt,
    WithdrawnAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Attachments {
    Table,
    Id,
    AccountId,
    DebtorId,
    CreditorId,
    StaffUserId,
    FileName,
    ContentType,
    SizeBytes,
    Sha256,
    CreatedAt,
    ErasedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AttachmentContents {
    Table,
    AttachmentId,
    Bytes,
}

#[derive(DeriveIden, Clone, Copy)]
enum Disputes {
    Table,
    Id,
    AccountId,
    DebtorId,
    CreditorId,
    Reason,
    Status,
    HoldId,
    Answer,
    AdjustmentMinor,
    AnsweredBy,
    AnsweredAt,
    OpenedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum DisputeEntries {
    Table,
    Id,
    DisputeId,
    Reason,
    Details,
    AttachmentId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Messages {
    Table,
    Id,
    AccountId,
    DebtorId,
    CreditorId,
    StaffUserId,
    Body,
    AttachmentId,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Feedback {
    Table,
    Id,
    AccountId,
    DebtorId,
    CreditorId,
    Moment,
    Score,
    Comment,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AdviceServices {
    Table,
    Id,
    CreditorId,
    Position,
    Name,
    Url,
    Phone,
    Description,
}

#[derive(DeriveIden, Clone, Copy)]
enum ErasureRequests {
    Table,
    Id,
    DebtorId,
    CreditorId,
    Status,
    Note,
    RequestedAt,
    DecidedBy,
    DecidedAt,
}
