//! Closed sets of states that are stored as text.
//!
//! [`stored_enum!`] declares such a set once: each variant's stored string is written a single
//! time, and the same declaration gives the sea-orm column mapping (`DeriveActiveEnum`, so a
//! column of this type reads and writes the string, and an unknown stored string is a
//! `DbErr`, never a panic), the list of every variant, and the string for forms and CSV files.
//! The strings are the ones already in the databases: changing one needs a migration.

/// Declares a closed set of states stored as a text column; see the module documentation.
///
/// ```ignore
/// stored_enum! {
///     /// Where a thing stands.
///     pub enum Example {
///         First = "first",
///         Second = "second",
///     }
/// }
/// ```
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $value:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, sea_orm::EnumIter, sea_orm::DeriveActiveEnum,
        )]
        #[sea_orm(
            rs_type = "String",
            db_type = "String(sea_orm::sea_query::StringLen::None)"
        )]
        $vis enum $name {
            $( $(#[$variant_meta])* #[sea_orm(string_value = $value)] $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; <[&str]>::len(&[$(stringify!($variant)),+])] =
                [$($name::$variant),+];

            /// The stored string, also used in forms, URLs and CSV files.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $value, )+
                }
            }

            /// Reads a string written by `as_str`, ignoring case and surrounding spaces (it
            /// may come from a form or a CSV file).
            pub fn parse(text: &str) -> Option<$name> {
                let text = text.trim();
                $name::ALL
                    .into_iter()
                    .find(|item| item.as_str().eq_ignore_ascii_case(text))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
pub(crate) mod tests {
    use sea_orm::ActiveEnum;

    /// Every variant is stored as its string and read back as itself, and a string no variant
    /// stores is refused with an error.
    pub(crate) fn round_trips<E>(all: &[E], as_str: fn(&E) -> &'static str)
    where
        E: ActiveEnum<Value = String> + PartialEq + std::fmt::Debug,
    {
        for item in all {
            let stored = item.to_value();
            assert_eq!(stored, as_str(item));
            assert_eq!(&E::try_from_value(&stored).expect("reads back"), item);
        }
        assert!(E::try_from_value(&"no-such-state".to_string()).is_err());
        assert!(E::try_from_value(&String::new()).is_err());
    }
}
