//! `bench-chart CSV SVG`: nats-bench's CSV (the rows `--csv` appends) drawn as messages per
//! second against payload size, one line per variant (naive, tuned) and side, sizes on a log
//! scale: the chart of the guide's bench chapter (`cargo xtask bench-sweep` makes both).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let drawn = match &args[..] {
        [csv, svg] => chart(Path::new(csv), Path::new(svg)),
        _ => Err("bench-chart takes a CSV file and an SVG file".to_string()),
    };
    match drawn {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("Error: {why}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Draws messages per second against payload size, one line per variant and side.
fn chart(csv: &Path, svg: &Path) -> Result<(), String> {
    let series = read_series(csv)?;
    let frame = Frame::around(&series);
    let mut out = String::new();
    frame.draw_axes(&mut out);
    frame.draw_series(&mut out, &series);
    out.push_str("</svg>\n");
    fs::write(svg, out).map_err(|err| format!("cannot write {}: {err}", svg.display()))?;
    println!("bench-chart: drew {}", svg.display());
    Ok(())
}

/// The pub/sub rows of nats-bench's CSV: for each "variant side", (size, msgs/s) points.
fn read_series(csv: &Path) -> Result<BTreeMap<String, Vec<(f64, f64)>>, String> {
    let text =
        fs::read_to_string(csv).map_err(|err| format!("cannot read {}: {err}", csv.display()))?;
    let mut header = Vec::new();
    let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        if index == 0 {
            header = fields.iter().map(|f| f.to_string()).collect();
            continue;
        }
        let field = |name: &str| -> Option<&str> {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|i| fields.get(i).copied())
        };
        if field("mode") != Some("pubsub") {
            continue;
        }
        let (Some(variant), Some(side), Some(size), Some(rate)) = (
            field("variant"),
            field("side"),
            field("size"),
            field("msgs_per_s"),
        ) else {
            continue;
        };
        let (Ok(size), Ok(rate)) = (size.parse::<f64>(), rate.parse::<f64>()) else {
            continue;
        };
        series
            .entry(format!("{variant} {side}"))
            .or_default()
            .push((size, rate));
    }
    if series.is_empty() {
        return Err(format!("{} has no pub/sub rows to draw", csv.display()));
    }
    Ok(series)
}

/// The chart's frame: its size, its margins, and the scales of its axes (sizes on a log
/// scale, rates from 0 to a round top).
struct Frame {
    width: f64,
    height: f64,
    left: f64,
    up: f64,
    plot_w: f64,
    plot_h: f64,
    min_size: f64,
    max_size: f64,
    top: f64,
}

impl Frame {
    fn around(series: &BTreeMap<String, Vec<(f64, f64)>>) -> Frame {
        let points = || series.values().flatten();
        let min_size = points()
            .map(|(size, _)| *size)
            .fold(f64::INFINITY, f64::min);
        let max_size = points().map(|(size, _)| *size).fold(0.0, f64::max);
        let top = nice_ceiling(points().map(|(_, rate)| *rate).fold(0.0, f64::max));
        let (width, height, left, right, up, down) = (720.0, 420.0, 90.0, 170.0, 40.0, 60.0);
        let (plot_w, plot_h) = (width - left - right, height - up - down);
        Frame {
            width,
            height,
            left,
            up,
            plot_w,
            plot_h,
            min_size,
            max_size,
            top,
        }
    }

    fn x(&self, size: f64) -> f64 {
        let span = (self.max_size.log2() - self.min_size.log2()).max(1.0);
        self.left + (size.log2() - self.min_size.log2()) / span * self.plot_w
    }

    fn y(&self, rate: f64) -> f64 {
        self.up + self.plot_h - rate / self.top * self.plot_h
    }

    /// The SVG's opening, the grid with its labels, and the axes' titles.
    fn draw_axes(&self, out: &mut String) {
        let Frame {
            width,
            height,
            left,
            up,
            plot_w,
            plot_h,
            top,
            ..
        } = *self;
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" font-size="12">"#
        );
        let _ = writeln!(
            out,
            r#"<title>nats-bench: messages per second against payload size, one publisher and one subscriber</title><rect width="{width}" height="{height}" fill="white"/>"#
        );
        for step in 0..=4 {
            let rate = top * f64::from(step) / 4.0;
            let (y, right, label) = (self.y(rate), left + plot_w, short(rate));
            let _ = writeln!(
                out,
                r##"<line x1="{left}" y1="{y:.1}" x2="{right}" y2="{y:.1}" stroke="#ddd"/><text x="{0}" y="{1:.1}" text-anchor="end">{label}</text>"##,
                left - 8.0,
                y + 4.0,
            );
        }
        let mut size = self.min_size;
        while size <= self.max_size {
            let (x, bottom, label) = (self.x(size), up + plot_h, bytes(size));
            let _ = writeln!(
                out,
                r##"<line x1="{x:.1}" y1="{up}" x2="{x:.1}" y2="{bottom}" stroke="#eee"/><text x="{x:.1}" y="{0}" text-anchor="middle">{label}</text>"##,
                bottom + 18.0,
            );
            size *= 4.0;
        }
        let _ = writeln!(
            out,
            r#"<text x="{0}" y="{1}" text-anchor="middle">payload size (bytes, log scale)</text><text x="20" y="{2}" transform="rotate(-90 20 {2})" text-anchor="middle">messages per second</text>"#,
            left + plot_w / 2.0,
            height - 15.0,
            up + plot_h / 2.0
        );
    }

    /// One line per series (the naive ones dashed), and the legend.
    fn draw_series(&self, out: &mut String, series: &BTreeMap<String, Vec<(f64, f64)>>) {
        let colors = ["#2b6cb0", "#c05621", "#2f855a", "#805ad5"];
        let legend_x = self.left + self.plot_w;
        for (index, (name, points)) in series.iter().enumerate() {
            let color = colors[index % colors.len()];
            let dash = if name.starts_with("naive") {
                r#" stroke-dasharray="6 4""#
            } else {
                ""
            };
            let path: Vec<String> = points
                .iter()
                .map(|(size, rate)| format!("{:.1},{:.1}", self.x(*size), self.y(*rate)))
                .collect();
            let _ = writeln!(
                out,
                r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2"{dash}/>"#,
                path.join(" ")
            );
            let legend_y = self.up + 20.0 * index as f64;
            let _ = writeln!(
                out,
                r#"<line x1="{0}" y1="{legend_y}" x2="{1}" y2="{legend_y}" stroke="{color}" stroke-width="2"{dash}/><text x="{2}" y="{3}">{name}</text>"#,
                legend_x + 15.0,
                legend_x + 45.0,
                legend_x + 52.0,
                legend_y + 4.0
            );
        }
    }
}

/// The next round number above `value`, for the top of the axis.
fn nice_ceiling(value: f64) -> f64 {
    let magnitude = 10f64.powf(value.max(1.0).log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if value <= step * magnitude {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

fn short(rate: f64) -> String {
    if rate >= 1_000_000.0 {
        format!("{:.1}M", rate / 1_000_000.0)
    } else if rate >= 1_000.0 {
        format!("{:.0}k", rate / 1_000.0)
    } else {
        format!("{rate:.0}")
    }
}

fn bytes(size: f64) -> String {
    if size >= 1024.0 {
        format!("{:.0}K", size / 1024.0)
    } else {
        format!("{size:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_ceiling(1_700_000.0), 2_000_000.0);
        assert_eq!(nice_ceiling(2_100_000.0), 2_500_000.0);
        assert_eq!(short(2_500_000.0), "2.5M");
        assert_eq!(bytes(16384.0), "16K");
    }

    #[test]
    fn a_chart_has_one_line_per_variant_and_side() {
        let dir = std::env::temp_dir().join(format!("xtask-chart-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let csv = dir.join("r.csv");
        fs::write(
            &csv,
            "mode,variant,side,clients,msgs,size,msgs_per_s,mb_per_s\n\
             pubsub,naive,pub,1,10,16,100,1\npubsub,naive,pub,1,10,64,90,1\n\
             pubsub,tuned,sub,1,10,16,200,1\npubsub,tuned,sub,1,10,64,150,1\n\
             request,tuned,req,1,10,16,5,1\n",
        )
        .unwrap();
        let svg = dir.join("c.svg");
        chart(&csv, &svg).unwrap();
        let text = fs::read_to_string(&svg).unwrap();
        assert_eq!(text.matches("<polyline").count(), 2, "{text}");
        assert!(text.contains(">naive pub<") && text.contains(">tuned sub<"));
        fs::remove_dir_all(dir).unwrap();
    }
}
