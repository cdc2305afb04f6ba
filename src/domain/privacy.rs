//! Requests to erase personal data.

stored_enum! {
    /// Stored in `erasure_requests.status`.
    pub enum ErasureStatus {
        /// Waiting for an admin.
        Requested = "requested",
        /// Personal fields erased; financial records kept as the law requires.
        Erased = "erased",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stored::tests::round_trips;

    #[test]
    fn erasure_states_round_trip() {
        round_trips(&ErasureStatus::ALL, |s| s.as_str());
    }
}
