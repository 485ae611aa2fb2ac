//! Valkey's geohash arithmetic (`geohash.c`, `geohash_helper.c`), step for step: the 52-bit
//! interleaved cell of a point, the eight neighbours of a cell, the nine cells a search
//! scans (with Valkey's step estimation), and the haversine distances. Every float operation
//! is done in the same order as the C code so that scores, coordinates and search results
//! come out bit for bit the same.

/// Longitude limits.
pub(crate) const LONG_MIN: f64 = -180.0;
pub(crate) const LONG_MAX: f64 = 180.0;
/// Latitude limits of the stored cells (EPSG:900913; the poles cannot be encoded).
pub(crate) const LAT_MIN: f64 = -85.05112878;
pub(crate) const LAT_MAX: f64 = 85.05112878;
/// Precision of stored scores: 26 bits per coordinate.
pub(crate) const STEP_MAX: u8 = 26;

const EARTH_RADIUS_IN_METERS: f64 = 6372797.560856;
const MERCATOR_MAX: f64 = 20037726.37;
const D_R: f64 = std::f64::consts::PI / 180.0;
/// Below this, two longitudes count as equal (`GEO_EPSILON`).
const GEO_EPSILON: f64 = 1e-15;

fn deg_rad(ang: f64) -> f64 {
    ang * D_R
}

fn rad_deg(ang: f64) -> f64 {
    ang / D_R
}

/// A cell: `step` bits per coordinate, interleaved (latitude in the even bits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Bits {
    pub bits: u64,
    pub step: u8,
}

impl Bits {
    /// `HASHISZERO`: a neighbour the search left out.
    pub fn is_zero(self) -> bool {
        self.bits == 0 && self.step == 0
    }

    /// The 52-bit score this cell starts at (`geohashAlign52Bits`).
    pub fn align52(self) -> u64 {
        self.bits << (52 - u32::from(self.step) * 2)
    }
}

/// A closed interval of degrees.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Range {
    pub min: f64,
    pub max: f64,
}

/// The longitude range of every encoding.
pub(crate) const LONG_RANGE: Range = Range {
    min: LONG_MIN,
    max: LONG_MAX,
};
/// The latitude range of stored scores.
pub(crate) const LAT_RANGE: Range = Range {
    min: LAT_MIN,
    max: LAT_MAX,
};
/// The standard latitude range GEOHASH re-encodes with.
pub(crate) const STANDARD_LAT_RANGE: Range = Range {
    min: -90.0,
    max: 90.0,
};

/// The rectangle a cell covers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Area {
    pub lon: Range,
    pub lat: Range,
}

/// Spreads the 32 bits of `x` over the even positions and those of `y` over the odd ones.
fn interleave64(xlo: u32, ylo: u32) -> u64 {
    const B: [u64; 5] = [
        0x5555_5555_5555_5555,
        0x3333_3333_3333_3333,
        0x0F0F_0F0F_0F0F_0F0F,
        0x00FF_00FF_00FF_00FF,
        0x0000_FFFF_0000_FFFF,
    ];
    const S: [u32; 5] = [1, 2, 4, 8, 16];
    let (mut x, mut y) = (u64::from(xlo), u64::from(ylo));
    for i in (0..5).rev() {
        x = (x | (x << S[i])) & B[i];
        y = (y | (y << S[i])) & B[i];
    }
    x | (y << 1)
}

/// The inverse of [`interleave64`]: even bits in the low half, odd bits in the high half.
fn deinterleave64(interleaved: u64) -> u64 {
    const B: [u64; 6] = [
        0x5555_5555_5555_5555,
        0x3333_3333_3333_3333,
        0x0F0F_0F0F_0F0F_0F0F,
        0x00FF_00FF_00FF_00FF,
        0x0000_FFFF_0000_FFFF,
        0x0000_0000_FFFF_FFFF,
    ];
    const S: [u32; 6] = [0, 1, 2, 4, 8, 16];
    let (mut x, mut y) = (interleaved, interleaved >> 1);
    for i in 0..6 {
        x = (x | (x >> S[i])) & B[i];
        y = (y | (y >> S[i])) & B[i];
    }
    x | (y << 32)
}

/// `geohashEncode`: the cell of `step` bits holding the point, `None` outside the ranges
/// (or outside the WGS84 limits, which Valkey checks first whatever the ranges).
pub(crate) fn encode(
    lon_range: Range,
    lat_range: Range,
    lon: f64,
    lat: f64,
    step: u8,
) -> Option<Bits> {
    if step > 32 || step == 0 {
        return None;
    }
    if !(LONG_MIN..=LONG_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
        return None;
    }
    if lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max {
        return None;
    }
    let mut lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
    let mut long_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min);
    let scale = (1u64 << step) as f64;
    lat_offset *= scale;
    long_offset *= scale;
    // The offsets lie in 0..=2^step: C's conversion to uint32_t truncates like `as`.
    Some(Bits {
        bits: interleave64(lat_offset as u32, long_offset as u32),
        step,
    })
}

/// [`encode`] with the stored-score ranges.
pub(crate) fn encode_wgs84(lon: f64, lat: f64, step: u8) -> Option<Bits> {
    encode(LONG_RANGE, LAT_RANGE, lon, lat, step)
}

/// `geohashDecode`: the rectangle of a cell (`None` for a zero cell).
pub(crate) fn decode(lon_range: Range, lat_range: Range, hash: Bits) -> Option<Area> {
    if hash.is_zero() {
        return None;
    }
    let sep = deinterleave64(hash.bits);
    let lat_scale = lat_range.max - lat_range.min;
    let long_scale = lon_range.max - lon_range.min;
    let ilato = sep as u32;
    let ilono = (sep >> 32) as u32;
    let div = (1u64 << hash.step) as f64;
    // `ilato + 1` is 32-bit unsigned arithmetic in C: it wraps for a malformed score.
    Some(Area {
        lat: Range {
            min: lat_range.min + (f64::from(ilato) / div) * lat_scale,
            max: lat_range.min + (f64::from(ilato.wrapping_add(1)) / div) * lat_scale,
        },
        lon: Range {
            min: lon_range.min + (f64::from(ilono) / div) * long_scale,
            max: lon_range.min + (f64::from(ilono.wrapping_add(1)) / div) * long_scale,
        },
    })
}

fn decode_wgs84(hash: Bits) -> Option<Area> {
    decode(LONG_RANGE, LAT_RANGE, hash)
}

/// C's `(uint64_t)` conversion of a double as gcc compiles it for x86-64: values below 2^63
/// through the signed truncation (negative ones wrap, out-of-range ones give 2^63), larger
/// ones offset by 2^63 first. Any zset score may reach the decoder, not only geo ones.
pub(crate) fn c_double_to_u64(d: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    fn cvtt(x: f64) -> u64 {
        if x.is_nan() || !(-TWO63..TWO63).contains(&x) {
            1 << 63
        } else {
            x as i64 as u64
        }
    }
    if d.is_nan() || d < TWO63 {
        cvtt(d)
    } else {
        cvtt(d - TWO63) ^ (1 << 63)
    }
}

/// C's `(long long)` conversion of a double on x86-64 (`cvttsd2si`): truncation, and
/// `i64::MIN` for NaN or out-of-range values.
pub(crate) fn c_double_to_i64(d: f64) -> i64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    if d.is_nan() || !(-TWO63..TWO63).contains(&d) {
        i64::MIN
    } else {
        d as i64
    }
}

/// The point a sorted-set score stands for (`decodeGeohash`): the centre of its cell,
/// clamped to the limits. Never fails, as in Valkey (the step is never zero).
pub(crate) fn decode_score(score: f64) -> [f64; 2] {
    let hash = Bits {
        bits: c_double_to_u64(score),
        step: STEP_MAX,
    };
    let area = decode_wgs84(hash).unwrap_or_default();
    let lon = ((area.lon.min + area.lon.max) / 2.0).clamp(LONG_MIN, LONG_MAX);
    let lat = ((area.lat.min + area.lat.max) / 2.0).clamp(LAT_MIN, LAT_MAX);
    [lon, lat]
}

fn move_x(hash: &mut Bits, d: i8) {
    if d == 0 {
        return;
    }
    let mut x = hash.bits & 0xaaaa_aaaa_aaaa_aaaa;
    let y = hash.bits & 0x5555_5555_5555_5555;
    let shift = 64 - u32::from(hash.step) * 2;
    let zz = 0x5555_5555_5555_5555u64 >> shift;
    if d > 0 {
        x = x.wrapping_add(zz + 1);
    } else {
        x |= zz;
        x = x.wrapping_sub(zz + 1);
    }
    x &= 0xaaaa_aaaa_aaaa_aaaau64 >> shift;
    hash.bits = x | y;
}

fn move_y(hash: &mut Bits, d: i8) {
    if d == 0 {
        return;
    }
    let x = hash.bits & 0xaaaa_aaaa_aaaa_aaaa;
    let mut y = hash.bits & 0x5555_5555_5555_5555;
    let shift = 64 - u32::from(hash.step) * 2;
    let zz = 0xaaaa_aaaa_aaaa_aaaau64 >> shift;
    if d > 0 {
        y = y.wrapping_add(zz + 1);
    } else {
        y |= zz;
        y = y.wrapping_sub(zz + 1);
    }
    y &= 0x5555_5555_5555_5555u64 >> shift;
    hash.bits = x | y;
}

/// The eight cells around one (`geohashNeighbors`).
#[derive(Clone, Copy, Debug, Default)]
struct Neighbors {
    north: Bits,
    south: Bits,
    east: Bits,
    west: Bits,
    north_east: Bits,
    north_west: Bits,
    south_east: Bits,
    south_west: Bits,
}

fn neighbors(hash: Bits) -> Neighbors {
    let moved = |dx: i8, dy: i8| {
        let mut h = hash;
        move_x(&mut h, dx);
        move_y(&mut h, dy);
        h
    };
    Neighbors {
        east: moved(1, 0),
        west: moved(-1, 0),
        south: moved(0, -1),
        north: moved(0, 1),
        north_west: moved(-1, 1),
        north_east: moved(1, 1),
        south_east: moved(1, -1),
        south_west: moved(-1, -1),
    }
}

/// `geohashEstimateStepsByRadius`: the cell size for a search of this radius.
fn estimate_steps_by_radius(mut range_meters: f64, lat: f64) -> u8 {
    if range_meters == 0.0 {
        return 26;
    }
    let mut step: i32 = 1;
    while range_meters < MERCATOR_MAX {
        range_meters *= 2.0;
        step += 1;
    }
    step -= 2;
    // Wider cells towards the poles.
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u8
}

/// What a search covers.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ShapeKind {
    /// BYRADIUS / GEORADIUS: a radius in the shape's unit.
    Circle { radius: f64 },
    /// BYBOX: width and height in the shape's unit.
    Box { width: f64, height: f64 },
    /// BYPOLYGON: `[lon, lat]` vertices (unit: meters).
    Polygon(Vec<[f64; 2]>),
}

/// A search area: its kind, its centre `[lon, lat]` (the centroid for a polygon, set by
/// [`search_cells`]) and the unit's size in meters.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Shape {
    pub kind: ShapeKind,
    pub xy: [f64; 2],
    pub conversion: f64,
}

/// `geohashBoundingBox`: `[min_lon, min_lat, max_lon, max_lat]`; for a polygon it also sets
/// the shape's centre to the vertices' spherical centroid.
fn bounding_box(shape: &mut Shape) -> [f64; 4] {
    let (height, width) = match &shape.kind {
        ShapeKind::Circle { radius } => (shape.conversion * radius, shape.conversion * radius),
        ShapeKind::Box { width, height } => (
            shape.conversion * height / 2.0,
            shape.conversion * width / 2.0,
        ),
        ShapeKind::Polygon(points) => {
            let (mut x, mut y, mut z) = (0.0f64, 0.0f64, 0.0f64);
            let (mut min_lon, mut max_lon) = (LONG_MAX, LONG_MIN);
            let (mut min_lat, mut max_lat) = (LAT_MAX, LAT_MIN);
            for &[lon, lat] in points {
                if lon < min_lon {
                    min_lon = lon;
                }
                if lon > max_lon {
                    max_lon = lon;
                }
                if lat < min_lat {
                    min_lat = lat;
                }
                if lat > max_lat {
                    max_lat = lat;
                }
                let (lon_rad, lat_rad) = (deg_rad(lon), deg_rad(lat));
                x += lat_rad.cos() * lon_rad.cos();
                y += lat_rad.cos() * lon_rad.sin();
                z += lat_rad.sin();
            }
            let central_lon = y.atan2(x);
            let central_hyp = (x * x + y * y).sqrt();
            let central_lat = z.atan2(central_hyp);
            shape.xy = [rad_deg(central_lon), rad_deg(central_lat)];
            return [min_lon, min_lat, max_lon, max_lat];
        }
    };
    let [lon, lat] = shape.xy;
    let lat_delta = rad_deg(height / EARTH_RADIUS_IN_METERS);
    let long_delta_top = rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(lat + lat_delta).cos());
    let long_delta_bottom =
        rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(lat - lat_delta).cos());
    // The box is widest on the side nearer the equator.
    let delta = if lat < 0.0 {
        long_delta_bottom
    } else {
        long_delta_top
    };
    [lon - delta, lat - lat_delta, lon + delta, lat + lat_delta]
}

/// The cell of `step` bits around the point, its neighbours and its area.
fn cell_at(lon: f64, lat: f64, step: u8) -> (Bits, Neighbors, Area) {
    // Out of range only for a polygon whose centroid lies past the limits, where Valkey
    // reads an uninitialized cell; an empty cell of the same step stands in for it.
    let hash = encode_wgs84(lon, lat, step).unwrap_or(Bits { bits: 0, step });
    let n = neighbors(hash);
    let area = decode_wgs84(hash).unwrap_or_default();
    (hash, n, area)
}

/// `geohashCalculateAreasByShapeWGS84`: the nine cells to scan, in Valkey's order (centre,
/// N, S, E, W, NE, NW, SE, SW), useless ones zeroed.
pub(crate) fn search_cells(shape: &mut Shape) -> [Bits; 9] {
    let [min_lon, min_lat, max_lon, max_lat] = bounding_box(shape);
    let [lon, lat] = shape.xy;
    let radius_meters = match &shape.kind {
        ShapeKind::Circle { radius } => *radius,
        ShapeKind::Box { width, height } => {
            ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt()
        }
        ShapeKind::Polygon(_) => {
            let corners = [
                get_distance(lon, lat, min_lon, max_lat),
                get_distance(lon, lat, max_lon, max_lat),
                get_distance(lon, lat, min_lon, min_lat),
                get_distance(lon, lat, max_lon, min_lat),
            ];
            let mut r = corners[0];
            for &d in &corners[1..] {
                if d > r {
                    r = d;
                }
            }
            r
        }
    } * shape.conversion;

    let mut steps = estimate_steps_by_radius(radius_meters, lat);
    let (mut hash, mut n, mut area) = cell_at(lon, lat, steps);

    // Near a cell's edge the estimated step may leave part of the area out of the nine
    // cells: use cells twice as large then.
    let side = |b: Bits| decode_wgs84(b).unwrap_or_default();
    let decrease_step = side(n.north).lat.max < max_lat
        || side(n.south).lat.min > min_lat
        || side(n.east).lon.max < max_lon
        || side(n.west).lon.min > min_lon;
    if steps > 1 && decrease_step {
        steps -= 1;
        (hash, n, area) = cell_at(lon, lat, steps);
    }

    if steps >= 2 {
        let zero = Bits::default();
        if area.lat.min < min_lat {
            n.south = zero;
            n.south_west = zero;
            n.south_east = zero;
        }
        if area.lat.max > max_lat {
            n.north = zero;
            n.north_east = zero;
            n.north_west = zero;
        }
        if area.lon.min < min_lon {
            n.west = zero;
            n.south_west = zero;
            n.north_west = zero;
        }
        if area.lon.max > max_lon {
            n.east = zero;
            n.south_east = zero;
            n.north_east = zero;
        }
    }
    [
        hash,
        n.north,
        n.south,
        n.east,
        n.west,
        n.north_east,
        n.north_west,
        n.south_east,
        n.south_west,
    ]
}

/// Distance along a meridian (`geohashGetLatDistance`).
fn lat_distance(lat1d: f64, lat2d: f64) -> f64 {
    EARTH_RADIUS_IN_METERS * (deg_rad(lat2d) - deg_rad(lat1d)).abs()
}

/// Haversine great-circle distance in meters (`geohashGetDistance`).
pub(crate) fn get_distance(lon1d: f64, lat1d: f64, lon2d: f64, lat2d: f64) -> f64 {
    let lon1r = deg_rad(lon1d);
    let lon2r = deg_rad(lon2d);
    let v = ((lon2r - lon1r) / 2.0).sin();
    if v.abs() <= GEO_EPSILON {
        return lat_distance(lat1d, lat2d);
    }
    let lat1r = deg_rad(lat1d);
    let lat2r = deg_rad(lat2d);
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_IN_METERS * a.sqrt().asin()
}

/// The distance from the shape's centre to `point` when the point lies within the shape
/// (`geoWithinShape` after decoding).
pub(crate) fn distance_if_within(shape: &Shape, point: [f64; 2]) -> Option<f64> {
    let [cx, cy] = shape.xy;
    let [x, y] = point;
    match &shape.kind {
        ShapeKind::Circle { radius } => {
            let d = get_distance(cx, cy, x, y);
            (d <= radius * shape.conversion || d.is_nan()).then_some(d)
        }
        ShapeKind::Box { width, height } => {
            let (width_m, height_m) = (width * shape.conversion, height * shape.conversion);
            if lat_distance(y, cy) > height_m / 2.0 {
                return None;
            }
            if get_distance(x, y, cx, y) > width_m / 2.0 {
                return None;
            }
            Some(get_distance(cx, cy, x, y))
        }
        ShapeKind::Polygon(vertices) => {
            // PNPOLY ray casting, vertex i against the one before it.
            let mut inside = false;
            let mut j = vertices.len() - 1;
            for (i, a) in vertices.iter().enumerate() {
                let b = vertices[j];
                if ((a[1] > y) != (b[1] > y))
                    && (x < (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0])
                {
                    inside = !inside;
                }
                j = i;
            }
            inside.then(|| get_distance(cx, cy, x, y))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The score of Palermo and Catania as Valkey stores them (its documentation's example).
    #[test]
    fn scores_match_valkey() {
        let h = encode_wgs84(13.361389, 38.115556, STEP_MAX).unwrap();
        assert_eq!(h.align52(), 3479099956230698);
        let h = encode_wgs84(15.087269, 37.502669, STEP_MAX).unwrap();
        assert_eq!(h.align52(), 3479447370796909);
        assert!(encode_wgs84(0.0, 85.06, STEP_MAX).is_none());
    }

    #[test]
    fn decode_is_the_cell_centre() {
        let [lon, lat] = decode_score(3479099956230698.0);
        assert_eq!(format!("{lon:.17}"), "13.36138933897018433");
        assert_eq!(format!("{lat:.17}"), "38.11555639549629859");
    }

    #[test]
    fn interleave_round_trips() {
        for (x, y) in [
            (0u32, 0u32),
            (1, 0),
            (0, 1),
            (0xdead_beef, 0x1234_5678),
            (u32::MAX, 7),
        ] {
            let v = deinterleave64(interleave64(x, y));
            assert_eq!((v as u32, (v >> 32) as u32), (x, y));
        }
    }

    #[test]
    fn c_conversions() {
        assert_eq!(c_double_to_u64(-1.0), u64::MAX);
        assert_eq!(c_double_to_u64(f64::INFINITY), 0);
        assert_eq!(c_double_to_u64(f64::NEG_INFINITY), 1 << 63);
        assert_eq!(c_double_to_u64(1e19), 10_000_000_000_000_000_000);
        assert_eq!(c_double_to_u64(0.5), 0);
        assert_eq!(c_double_to_i64(1e30), i64::MIN);
        assert_eq!(c_double_to_i64(-1.5), -1);
    }

    #[test]
    fn neighbours_move_one_cell() {
        let h = encode_wgs84(10.0, 20.0, 10).unwrap();
        let n = neighbors(h);
        let c = decode_wgs84(h).unwrap();
        let e = decode_wgs84(n.east).unwrap();
        let s = decode_wgs84(n.south).unwrap();
        assert_eq!(e.lon.min, c.lon.max);
        assert_eq!(e.lat, c.lat);
        assert_eq!(s.lat.max, c.lat.min);
        assert_eq!(s.lon, c.lon);
    }

    #[test]
    fn steps_by_radius() {
        assert_eq!(estimate_steps_by_radius(0.0, 0.0), 26);
        assert_eq!(estimate_steps_by_radius(1000.0, 0.0), 14);
        assert_eq!(estimate_steps_by_radius(1000.0, 70.0), 13);
        assert_eq!(estimate_steps_by_radius(1000.0, -81.0), 12);
        assert_eq!(estimate_steps_by_radius(f64::INFINITY, 0.0), 1);
    }

    #[test]
    fn distance_between_palermo_and_catania() {
        let d = get_distance(13.361389, 38.115556, 15.087269, 37.502669);
        assert!((d - 166274.15).abs() < 1.0, "{d}");
        assert_eq!(
            get_distance(10.0, 10.0, 10.0, 11.0),
            lat_distance(10.0, 11.0)
        );
    }
}
