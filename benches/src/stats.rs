//! Latency samples, percentiles, process memory.

use std::time::Duration;

use hdrhistogram::Histogram;

/// Latencies of one run, in microseconds, in an HDR histogram (3 significant digits, 1 µs to 1 h).
#[derive(Debug, Clone)]
pub struct Samples {
    histogram: Histogram<u64>,
}

impl Default for Samples {
    fn default() -> Self {
        // 1 µs to one hour at 3 significant digits; anything longer is recorded as an hour.
        Samples { histogram: Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid bounds and precision") }
    }
}

impl Samples {
    /// Empty (the capacity is a hint kept for callers; a histogram does not grow with the count).
    pub fn with_capacity(_n: usize) -> Self {
        Samples::default()
    }

    /// Adds one latency.
    pub fn push(&mut self, d: Duration) {
        self.histogram.saturating_record(u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    }

    /// Merges another run's samples.
    pub fn extend(&mut self, other: Samples) {
        self.histogram.add(other.histogram).expect("auto-resizing histograms merge");
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.histogram.len() as usize
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.histogram.is_empty()
    }

    /// The `p`-th percentile (0–100) in microseconds.
    pub fn percentile(&self, p: f64) -> u64 {
        if self.histogram.is_empty() {
            return 0;
        }
        self.histogram.value_at_quantile(p / 100.0)
    }
}

/// The median of a few measurements.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Current resident set size in bytes (Linux), or 0.
pub fn rss_bytes() -> u64 {
    status_kib("VmRSS:").unwrap_or(0) * 1024
}

/// Peak resident set size in bytes (Linux), or 0.
pub fn peak_rss_bytes() -> u64 {
    status_kib("VmHWM:").unwrap_or(0) * 1024
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_medians() {
        let mut s = Samples::with_capacity(100);
        for us in (1..=100).rev() {
            s.push(Duration::from_micros(us));
        }
        assert_eq!((s.percentile(50.0), s.percentile(99.0), s.percentile(100.0), s.percentile(0.0)), (50, 99, 100, 1));
        assert_eq!(Samples::default().percentile(50.0), 0);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert!(median(Vec::new()).is_nan());
    }

    #[test]
    fn a_wide_spread_of_latencies() {
        let mut s = Samples::default();
        for us in (0..4000u64).map(|i| 500 + (i * 7919) % 200_000) {
            s.push(Duration::from_micros(us));
        }
        let p50 = s.percentile(50.0);
        assert!((95_000..105_000).contains(&p50), "{p50}");
        s.push(Duration::from_secs(7200));
        assert_eq!(s.percentile(100.0) / 1_000_000, 3600, "capped at an hour");
    }
}
