//! The TIMESTAMP of Cognito's SRP PASSWORD_VERIFIER response: the client
//! signs it, the server checks it names the right weekday and lies within a
//! window of its clock.

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month 1-12, day 1-31) of a day number since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The TIMESTAMP clients sign: `EEE MMM d HH:mm:ss 'UTC' yyyy`, day not
/// zero-padded (`Tue Nov 3 08:05:09 UTC 2026`).
pub fn format_timestamp(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{} {} {} {:02}:{:02}:{:02} UTC {}",
        WEEKDAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        d,
        tod / 3600,
        tod % 3600 / 60,
        tod % 60,
        y
    )
}

/// Parses a TIMESTAMP into seconds since the epoch; None when malformed,
/// out of range or naming the wrong weekday.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split(' ').collect();
    let [weekday, month, day, time, "UTC", year] = parts.as_slice() else {
        return None;
    };
    let digits = |t: &str, min: usize, max: usize| {
        (t.len() >= min && t.len() <= max && t.bytes().all(|c| c.is_ascii_digit()))
            .then(|| t.parse::<u32>().ok())
            .flatten()
    };
    let m = MONTHS.iter().position(|x| x == month)? as u32 + 1;
    let d = digits(day, 1, 2).filter(|d| !day.starts_with('0') && (1..=31).contains(d))?;
    let y = i64::from(digits(year, 4, 4)?);
    let hms: Vec<&str> = time.split(':').collect();
    let [h, mi, se] = hms.as_slice() else {
        return None;
    };
    let (h, mi, se) = (digits(h, 2, 2)?, digits(mi, 2, 2)?, digits(se, 2, 2)?);
    if h > 23 || mi > 59 || se > 59 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    if civil_from_days(days) != (y, m, d) || WEEKDAYS[days.rem_euclid(7) as usize] != *weekday {
        return None;
    }
    Some(days * 86_400 + i64::from(h * 3600 + mi * 60 + se))
}
