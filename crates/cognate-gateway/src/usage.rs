//! The API key phase: API keys, throttling and quotas of usage plans.
//!
//! A method that requires an API key wants an `x-api-key` header naming an
//! enabled key that belongs to a usage plan bound to the API's stage; else
//! 403 (INVALID_API_KEY). Each (plan, key) has a token bucket from the plan's
//! throttle — or, for a method the plan's API stage throttles on its own,
//! one from that — refilled by the injected clock (429 THROTTLED when empty),
//! and a quota counted per period in memory (429 QUOTA_EXCEEDED).
//!
//! A stage can throttle its methods on its own, for every caller together
//! (`methodSettings` `throttling/rateLimit` and `burstLimit`, per method or
//! for `*/*`): that bucket is checked before the authorizer runs.
//!
//! Buckets and counters live in [`UsageState`], kept from one install to the
//! next, so a new deployment does not reset anyone's quota; each stage's table
//! holds the ones it needs, and the request path takes only the lock of the
//! key's own bucket.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cognate_apigw::model::{LiveConfig, QuotaSettings, Stage, ThrottleSettings};
use http::HeaderMap;

use crate::responses::{Reject, ResponseType};

/// The header API keys come in.
pub const API_KEY_HEADER: &str = "x-api-key";

/// A token bucket: `burst` tokens at most, `rate` added per second.
#[derive(Debug)]
pub struct Bucket {
    rate: f64,
    burst: f64,
    /// Tokens left and when they were counted (ms).
    state: Mutex<(f64, i64)>,
}

impl Bucket {
    /// A full bucket; `None` when the settings throttle nothing (no rate).
    fn new(settings: &ThrottleSettings, now_ms: i64) -> Option<Bucket> {
        let rate = settings.rate_limit?.max(0.0);
        let burst = match settings.burst_limit {
            Some(b) => b.max(0) as f64,
            None => rate.ceil().max(1.0),
        };
        Some(Bucket {
            rate,
            burst,
            state: Mutex::new((burst, now_ms)),
        })
    }

    /// Takes one token if there is one.
    pub fn take(&self, now_ms: i64) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (tokens, last) = *state;
        let elapsed = now_ms.saturating_sub(last).max(0) as f64 / 1000.0;
        let tokens = (tokens + elapsed * self.rate).min(self.burst);
        if tokens >= 1.0 {
            *state = (tokens - 1.0, now_ms);
            true
        } else {
            *state = (tokens, now_ms);
            false
        }
    }
}

/// Requests counted in the current quota period.
#[derive(Debug, Default)]
pub struct QuotaCounter {
    /// (period index, requests in it, the first period counted).
    state: Mutex<Option<(i64, i64, i64)>>,
}

impl QuotaCounter {
    /// Counts one request if the quota allows it.
    fn take(&self, quota: &Quota, now_ms: i64) -> bool {
        let period = quota.period.index(now_ms);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (current, used, first) = state.get_or_insert((period, 0, period));
        if *current != period {
            *current = period;
            *used = 0;
        }
        // The offset is taken off the limit of the first period only.
        let limit = if period == *first {
            quota.limit - quota.offset
        } else {
            quota.limit
        };
        if *used >= limit {
            return false;
        }
        *used += 1;
        true
    }
}

/// A quota period (UTC): calendar days, weeks from Monday, calendar months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    Day,
    Week,
    Month,
}

const DAY_MS: i64 = 86_400_000;

impl Period {
    fn parse(s: &str) -> Option<Period> {
        match s {
            "DAY" => Some(Period::Day),
            "WEEK" => Some(Period::Week),
            "MONTH" => Some(Period::Month),
            _ => None,
        }
    }

    /// A number that changes exactly when a new period starts.
    fn index(self, now_ms: i64) -> i64 {
        let days = now_ms.div_euclid(DAY_MS);
        match self {
            Period::Day => days,
            // 1970-01-01 was a Thursday; weeks start on Monday.
            Period::Week => (days + 3).div_euclid(7),
            Period::Month => {
                let (year, month) = year_month(days);
                year * 12 + month - 1
            }
        }
    }
}

/// The civil year and month (1..=12) of a day counted from 1970-01-01.
fn year_month(days: i64) -> (i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month)
}

/// A plan's quota as deployed.
#[derive(Debug, Clone)]
struct Quota {
    limit: i64,
    offset: i64,
    period: Period,
}

impl Quota {
    fn compile(q: &QuotaSettings) -> Result<Quota, String> {
        let period =
            Period::parse(&q.period).ok_or_else(|| format!("unknown quota period {}", q.period))?;
        Ok(Quota {
            limit: q.limit.max(0),
            offset: q.offset.max(0),
            period,
        })
    }
}

/// What one API key may do on one stage.
#[derive(Debug)]
struct Grant {
    key_id: String,
    plan_bucket: Option<Arc<Bucket>>,
    /// Buckets of the methods (by index) the plan throttles on their own.
    method_buckets: Vec<(usize, Arc<Bucket>)>,
    quota: Option<(Quota, Arc<QuotaCounter>)>,
}

/// The API keys of one stage and what each may do.
#[derive(Debug, Default)]
pub struct StageUsage {
    /// By key value.
    grants: HashMap<String, Grant>,
    /// Whether keys come in the `x-api-key` header (`apiKeySource` HEADER).
    from_header: bool,
}

impl StageUsage {
    /// Checks the API key of a request for method `method` (its index in the
    /// stage) at `now_ms`: the key's id, or why not.
    pub fn check(&self, headers: &HeaderMap, method: usize, now_ms: i64) -> Result<&str, Reject> {
        let forbidden = || Reject::new(ResponseType::InvalidApiKey);
        if !self.from_header {
            return Err(forbidden());
        }
        let value = headers
            .get(API_KEY_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(forbidden)?;
        let grant = self.grants.get(value).ok_or_else(forbidden)?;
        let bucket = grant
            .method_buckets
            .iter()
            .find(|(m, _)| *m == method)
            .map(|(_, b)| b)
            .or(grant.plan_bucket.as_ref());
        if bucket.is_some_and(|b| !b.take(now_ms)) {
            return Err(Reject::new(ResponseType::Throttled));
        }
        if let Some((quota, counter)) = &grant.quota {
            if !counter.take(quota, now_ms) {
                return Err(Reject::new(ResponseType::QuotaExceeded));
            }
        }
        Ok(&grant.key_id)
    }
}

/// Identifies a bucket across installs; new settings make a new bucket.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct BucketKey {
    plan: String,
    key: String,
    /// `"{resourcePath}/{httpMethod}"`, empty for the plan's own.
    method: String,
    rate_bits: u64,
    burst: Option<i64>,
}

/// The buckets and counters that outlive route tables.
#[derive(Debug, Default)]
pub struct UsageState {
    buckets: HashMap<BucketKey, Arc<Bucket>>,
    /// By (plan id, key id).
    quotas: HashMap<(String, String), Arc<QuotaCounter>>,
}

/// Builds the usage of each installed stage from the previous state; what
/// no stage uses any more is dropped by [`UsageBuilder::finish`].
pub struct UsageBuilder<'a> {
    live: &'a LiveConfig,
    old: &'a UsageState,
    new: UsageState,
    now_ms: i64,
}

impl<'a> UsageBuilder<'a> {
    pub fn new(live: &'a LiveConfig, old: &'a UsageState, now_ms: i64) -> Self {
        UsageBuilder {
            live,
            old,
            new: UsageState::default(),
            now_ms,
        }
    }

    /// The usage of stage `stage` of API `api_id`; `methods` lists each
    /// method's `(resourcePath, httpMethod)` by index. Problems are returned
    /// for logging.
    pub fn stage(
        &mut self,
        api_id: &str,
        stage: &str,
        key_source: Option<&str>,
        methods: &[(&str, &str)],
    ) -> (StageUsage, Vec<String>) {
        let mut usage = StageUsage {
            grants: HashMap::new(),
            from_header: key_source.is_none_or(|s| s == "HEADER"),
        };
        let mut problems = Vec::new();
        for (plan, key_ids) in &self.live.usage_plans {
            let Some(api_stage) = plan
                .api_stages
                .iter()
                .find(|s| s.api_id == api_id && s.stage == stage)
            else {
                continue;
            };
            let quota = match plan.quota.as_ref().map(Quota::compile).transpose() {
                Ok(q) => q,
                Err(e) => {
                    problems.push(format!("usage plan {}: {e}; its keys are refused", plan.id));
                    continue;
                }
            };
            for key_id in key_ids {
                let Some(key) = self
                    .live
                    .api_keys
                    .iter()
                    .find(|k| &k.id == key_id && k.enabled)
                else {
                    continue;
                };
                if usage.grants.contains_key(&key.value) {
                    problems.push(format!(
                        "API key {} is in more than one usage plan of {api_id}/{stage}; the first applies",
                        key.id
                    ));
                    continue;
                }
                let plan_bucket = plan
                    .throttle
                    .as_ref()
                    .and_then(|t| self.bucket(&plan.id, &key.id, "", t));
                let method_buckets = api_stage
                    .throttle
                    .iter()
                    .filter_map(|(path_method, t)| {
                        let index = methods
                            .iter()
                            .position(|(path, m)| is_method_key(path_method, path, m))?;
                        Some((index, self.bucket(&plan.id, &key.id, path_method, t)?))
                    })
                    .collect();
                let quota = quota.clone().map(|q| {
                    let id = (plan.id.clone(), key.id.clone());
                    let counter = self.old.quotas.get(&id).cloned().unwrap_or_default();
                    self.new.quotas.insert(id, counter.clone());
                    (q, counter)
                });
                usage.grants.insert(
                    key.value.clone(),
                    Grant {
                        key_id: key.id.clone(),
                        plan_bucket,
                        method_buckets,
                        quota,
                    },
                );
            }
        }
        (usage, problems)
    }

    /// The bucket of the stage's own throttle for one method: the stage's
    /// `methodSettings` for `{resourcePath}/{httpMethod}` (the path without
    /// its leading `/`), else for `*/*`; `None` when neither sets a rate.
    /// Each method has a bucket of its own, kept across installs while its
    /// settings stay the same.
    pub fn method_throttle(
        &mut self,
        api_id: &str,
        stage: &Stage,
        resource_path: &str,
        http_method: &str,
    ) -> Option<Arc<Bucket>> {
        let own = format!("{}/{http_method}", resource_path.trim_start_matches('/'));
        let setting = stage
            .method_settings
            .get(&own)
            .filter(|s| s.throttling_rate_limit.is_some())
            .or_else(|| stage.method_settings.get("*/*"))?;
        let settings = ThrottleSettings {
            burst_limit: setting.throttling_burst_limit,
            rate_limit: setting.throttling_rate_limit,
        };
        let owner = format!("stage {api_id}/{}", stage.stage_name);
        self.bucket(
            &owner,
            "",
            &format!("{resource_path}/{http_method}"),
            &settings,
        )
    }

    fn bucket(
        &mut self,
        plan: &str,
        key: &str,
        method: &str,
        settings: &ThrottleSettings,
    ) -> Option<Arc<Bucket>> {
        let id = BucketKey {
            plan: plan.to_string(),
            key: key.to_string(),
            method: method.to_string(),
            rate_bits: settings.rate_limit?.to_bits(),
            burst: settings.burst_limit,
        };
        if let Some(b) = self.new.buckets.get(&id) {
            return Some(b.clone());
        }
        let bucket = match self.old.buckets.get(&id) {
            Some(b) => b.clone(),
            None => Arc::new(Bucket::new(settings, self.now_ms)?),
        };
        self.new.buckets.insert(id, bucket.clone());
        Some(bucket)
    }

    /// The state to keep for the next install.
    pub fn finish(self) -> UsageState {
        self.new
    }
}

/// Whether `"{resourcePath}/{httpMethod}"` names the method `path` `method`.
fn is_method_key(key: &str, path: &str, method: &str) -> bool {
    key.strip_suffix(method)
        .and_then(|k| k.strip_suffix('/'))
        .is_some_and(|p| p == path || (p.is_empty() && path == "/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_burst_then_refills_at_rate() {
        let b = Bucket::new(
            &ThrottleSettings {
                burst_limit: Some(2),
                rate_limit: Some(1.0),
            },
            0,
        )
        .unwrap();
        assert!(b.take(0));
        assert!(b.take(0));
        assert!(!b.take(0));
        assert!(!b.take(500));
        assert!(b.take(1000));
        assert!(
            b.take(10_000) && b.take(10_000) && !b.take(10_000),
            "refill stops at burst"
        );
    }

    #[test]
    fn periods_start_at_utc_midnight_monday_and_first_of_month() {
        // 2026-11-30T23:59:59Z (Monday) and 2026-12-01T00:00:00Z.
        let before = 1_796_083_199_000;
        let after = before + 1_000;
        assert_ne!(Period::Day.index(before), Period::Day.index(after));
        assert_ne!(Period::Month.index(before), Period::Month.index(after));
        assert_eq!(Period::Week.index(before), Period::Week.index(after));
        // Sunday 2026-11-29T23:59:59Z and Monday 2026-11-30T00:00:00Z.
        assert_ne!(
            Period::Week.index(before - DAY_MS),
            Period::Week.index(before - DAY_MS + 1_000)
        );
        assert_eq!(year_month(0), (1970, 1));
        assert_eq!(year_month(20_788), (2026, 12));
    }

    #[test]
    fn quota_takes_offset_off_the_first_period_only() {
        let quota = Quota {
            limit: 3,
            offset: 1,
            period: Period::Day,
        };
        let counter = QuotaCounter::default();
        assert!(counter.take(&quota, 0));
        assert!(counter.take(&quota, 0));
        assert!(!counter.take(&quota, 0));
        for _ in 0..3 {
            assert!(counter.take(&quota, DAY_MS));
        }
        assert!(!counter.take(&quota, DAY_MS));
    }

    #[test]
    fn method_keys_name_resource_path_and_method() {
        assert!(is_method_key("/pets/GET", "/pets", "GET"));
        assert!(is_method_key("//GET", "/", "GET"));
        assert!(is_method_key("/pets/{id}/ANY", "/pets/{id}", "ANY"));
        assert!(!is_method_key("/pets/GET", "/pets", "POST"));
    }
}
