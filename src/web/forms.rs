//! Reading what people type into forms that is not a domain value of its own.
use chrono::NaiveDate;

/// Reads a date typed as three boxes (day, month, year), with a message fit to show next to
/// the field when it is not a real date.
pub fn parse_date(day: &str, month: &str, year: &str) -> Result<NaiveDate, &'static str> {
    let (day, month, year) = (day.trim(), month.trim(), year.trim());
    if day.is_empty() && month.is_empty() && year.is_empty() {
        return Err("Enter a date");
    }
    let number = |text: &str| text.parse::<u32>().ok();
    match (number(day), number(month), year.parse::<i32>().ok()) {
        (Some(d), Some(m), Some(y)) if (2000..=2200).contains(&y) => {
            NaiveDate::from_ymd_opt(y, m, d).ok_or("Enter a real date")
        }
        _ => Err("Enter a real date, like 27 3 2027"),
    }
}

/// Reads a whole number of payments.
pub fn parse_count(text: &str) -> Result<u32, &'static str> {
    match text.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ if text.trim().is_empty() => Err("Enter how many payments you want to make"),
        _ => Err("Enter the number of payments as a whole number, like 6"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_from_three_boxes() {
        assert_eq!(
            parse_date("1", "12", "2026"),
            NaiveDate::from_ymd_opt(2026, 12, 1).ok_or("")
        );
        assert_eq!(parse_date("", "", ""), Err("Enter a date"));
        assert_eq!(parse_date("31", "2", "2027"), Err("Enter a real date"));
        assert!(parse_date("x", "2", "2027").is_err());
        assert!(parse_date("1", "2", "27").is_err());
    }

    #[test]
    fn counts_are_whole_positive_numbers() {
        assert_eq!(parse_count(" 6 "), Ok(6));
        assert!(parse_count("0").is_err());
        assert!(parse_count("2.5").is_err());
        assert_eq!(
            parse_count(""),
            Err("Enter how many payments you want to make")
        );
    }
}
