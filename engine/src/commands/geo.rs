//! Geo commands: GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE GEORADIUS
//! GEORADIUSBYMEMBER GEORADIUS_RO GEORADIUSBYMEMBER_RO.
//!
//! A geo index is a plain sorted set whose scores are 52-bit interleaved geohashes
//! ([`geohash`]); searches scan the score ranges of nine cells around the area, as Valkey's
//! `georadiusGeneric` does, so results, their order and every printed digit match.

mod geohash;
mod sort;

use std::cmp::Ordering;

use resp::Protocol;

use super::args::parse_i64;
use super::pqsort::pqsort;
use super::zsets::member_scores;
use super::zsets::score::parse_float;
use super::{typed, Args, CmdError, Ctx, Handler};
use crate::keyspace::{Db, Entry};
use crate::notify::class;
use crate::sync::Shared;
use crate::value::{AddFlags, Added, ScoreRange, Value, ZSet};
use geohash::{Bits, Shape, ShapeKind};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "geoadd" => |c, a| geoadd(c, a),
        "geodist" => geodist,
        "geohash" => geohash_cmd,
        "geopos" => geopos,
        "georadius" => |c, a| search(c, a, RADIUS_COORDS),
        "georadius_ro" => |c, a| search(c, a, RADIUS_COORDS | RADIUS_NOSTORE),
        "georadiusbymember" => |c, a| search(c, a, RADIUS_MEMBER),
        "georadiusbymember_ro" => |c, a| search(c, a, RADIUS_MEMBER | RADIUS_NOSTORE),
        "geosearch" => |c, a| search(c, a, GEOSEARCH),
        "geosearchstore" => |c, a| search(c, a, GEOSEARCH | GEOSEARCHSTORE),
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------
// Argument helpers
// ---------------------------------------------------------------------------------------

/// A float argument as `getDoubleFromObjectOrReply` reads it, with `msg` (or the default
/// text) on failure.
fn float_arg(s: &[u8], msg: Option<&'static str>) -> Result<f64, CmdError> {
    parse_float(s).ok_or(match msg {
        Some(m) => CmdError::Other(m),
        None => CmdError::NotFloat,
    })
}

/// `extractLongLatOrReply`: a longitude and a latitude within the encodable limits.
fn lon_lat(lon: &[u8], lat: &[u8]) -> Result<[f64; 2], CmdError> {
    let xy = [float_arg(lon, None)?, float_arg(lat, None)?];
    if !(geohash::LONG_MIN..=geohash::LONG_MAX).contains(&xy[0])
        || !(geohash::LAT_MIN..=geohash::LAT_MAX).contains(&xy[1])
    {
        return Err(CmdError::Owned(format!(
            "ERR invalid longitude,latitude pair {:.6},{:.6}",
            xy[0], xy[1]
        )));
    }
    Ok(xy)
}

/// `extractUnitOrReply`: meters per unit.
fn unit(s: &[u8]) -> Result<f64, CmdError> {
    Ok(match s.to_ascii_lowercase().as_slice() {
        b"m" => 1.0,
        b"km" => 1000.0,
        b"ft" => 0.3048,
        b"mi" => 1609.34,
        _ => {
            return Err(CmdError::Other(
                "ERR unsupported unit provided. please use M, KM, FT, MI",
            ))
        }
    })
}

/// `extractDistanceOrReply`: `(radius, meters per unit)`.
fn distance_arg(radius: &[u8], u: &[u8]) -> Result<(f64, f64), CmdError> {
    let r = float_arg(radius, Some("ERR need numeric radius"))?;
    if r < 0.0 {
        return Err(CmdError::Other("ERR radius cannot be negative"));
    }
    Ok((r, unit(u)?))
}

/// The position of `member` in `z`, or Valkey's error when it is missing.
fn member_position(z: &ZSet, member: &[u8]) -> Result<[f64; 2], CmdError> {
    match z.score(member) {
        Some(s) => Ok(geohash::decode_score(s)),
        None => {
            // Formatted with `%s`: the name ends at a NUL byte, and line breaks become
            // spaces as in every formatted error.
            let end = member.iter().position(|&b| b == 0).unwrap_or(member.len());
            let name: Vec<u8> = member[..end]
                .iter()
                .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
                .collect();
            Err(CmdError::Owned(format!(
                "ERR member {} does not exist",
                String::from_utf8_lossy(&name)
            )))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Reply formatting
// ---------------------------------------------------------------------------------------

/// `addReplyDoubleDistance`: `llrint(d * 10000)` printed with four decimals.
fn distance_text(d: f64) -> String {
    if d == 0.0 {
        return "0.0000".to_owned();
    }
    let v = geohash::c_double_to_i64((d * 10000.0).round_ties_even());
    let sign = if v < 0 { "-" } else { "" };
    let u = v.unsigned_abs();
    format!("{sign}{}.{:04}", u / 10000, u % 10000)
}

/// `addReplyHumanLongDouble`: `%.17Lf` with trailing zeros (and a trailing dot) removed,
/// as a bulk string in RESP2 and a double in RESP3.
fn reply_coordinate(ctx: &mut Ctx<'_>, d: f64) {
    let mut s = format!("{d:.17}");
    if s.contains('.') {
        let trimmed = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(trimmed);
    }
    if s == "-0" {
        s = "0".to_owned();
    }
    match ctx.out.protocol() {
        Protocol::Resp2 => ctx.out.bulk(s.as_bytes()),
        Protocol::Resp3 => {
            let buf = ctx.out.buffer();
            buf.push(b',');
            buf.extend_from_slice(s.as_bytes());
            buf.extend_from_slice(b"\r\n");
        }
    }
}

// ---------------------------------------------------------------------------------------
// GEOADD GEODIST GEOHASH GEOPOS
// ---------------------------------------------------------------------------------------

/// `GEOADD key [NX|XX] [CH] lon lat member …`: Valkey turns it into a ZADD of encoded
/// scores, so ZADD's rules apply once the coordinates are valid.
fn geoadd(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let (mut nx, mut xx, mut ch) = (false, false, false);
    let mut i = 2;
    while i < args.len() {
        if args.is(i, "nx") {
            nx = true;
        } else if args.is(i, "xx") {
            xx = true;
        } else if args.is(i, "ch") {
            ch = true;
        } else {
            break;
        }
        i += 1;
    }
    let rest = args.from(i);
    // No triple at all is ZADD's syntax error.
    if rest.len() % 3 != 0 || (xx && nx) || rest.is_empty() {
        return Err(CmdError::Syntax);
    }
    let mut items = Vec::with_capacity(rest.len() / 3);
    let mut longest = 0;
    for t in rest.chunks(3) {
        let [lon, lat] = lon_lat(t[0], t[1])?;
        let bits = geohash::encode_wgs84(lon, lat, geohash::STEP_MAX).map_or(0, Bits::align52);
        items.push((bits as f64, t[2]));
        longest = longest.max(t[2].len());
    }
    let flags = AddFlags {
        nx,
        xx,
        ..AddFlags::default()
    };
    let mut shard = ctx.db().lock_key(key);
    let exists = typed::write::<ZSet>(&mut shard, key, ctx.now_ms)?.is_some();
    let mut changed = 0i64;
    let mut added = 0i64;
    if exists || !xx {
        let enc = ctx.config.encodings;
        let z = typed::write_or_create::<ZSet>(&mut shard, key, ctx.now_ms)?;
        z.reserve(items.len(), longest, &enc);
        for &(score, member) in &items {
            match z.add(member, score, flags, &enc) {
                Ok(Added::New(_)) => added += 1,
                Ok(Added::Updated(_)) => changed += 1,
                _ => {}
            }
        }
        typed::remove_if_empty::<ZSet>(&mut shard, key, ctx.now_ms);
    }
    drop(shard);
    if added + changed > 0 {
        // Valkey runs GEOADD as a ZADD.
        ctx.notify(class::ZSET, "zadd", key);
    }
    ctx.out.integer(if ch { added + changed } else { added });
    Ok(())
}

/// `GEODIST key m1 m2 [unit]`: the unit is checked before the key.
fn geodist(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let to_meter = match args.len() {
        5 => unit(args.arg(4))?,
        n if n > 5 => return Err(CmdError::Syntax),
        _ => 1.0,
    };
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let scores = typed::read::<ZSet>(&mut shard, key, ctx.now_ms)?
        .and_then(|z| Some((z.score(args.arg(2))?, z.score(args.arg(3))?)));
    drop(shard);
    match scores {
        None => ctx.out.null(),
        Some((s1, s2)) => {
            let [x1, y1] = geohash::decode_score(s1);
            let [x2, y2] = geohash::decode_score(s2);
            let d = geohash::get_distance(x1, y1, x2, y2) / to_meter;
            ctx.out.bulk(distance_text(d).as_bytes());
        }
    }
    Ok(())
}

/// `GEOHASH key member …`: standard 11-character geohashes, re-encoded with the -90..90
/// latitude range (the last character is always `0`: scores hold 52 bits).
fn geohash_cmd(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let scores = member_scores(ctx, args)?;
    ctx.out.array(scores.len());
    for score in scores {
        let Some(score) = score else {
            ctx.out.null();
            continue;
        };
        let [lon, lat] = geohash::decode_score(score);
        let bits = geohash::encode(
            geohash::LONG_RANGE,
            geohash::STANDARD_LAT_RANGE,
            lon,
            lat,
            geohash::STEP_MAX,
        )
        .map_or(0, |h| h.bits);
        let mut text = [b'0'; 11];
        for (i, c) in text.iter_mut().enumerate().take(10) {
            *c = ALPHABET[((bits >> (52 - (i + 1) * 5)) & 0x1f) as usize];
        }
        ctx.out.bulk(&text);
    }
    Ok(())
}

/// `GEOPOS key member …`: `[lon, lat]` or a null array per member.
fn geopos(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let scores = member_scores(ctx, args)?;
    ctx.out.array(scores.len());
    for score in scores {
        match score.map(geohash::decode_score) {
            None => ctx.out.null_array(),
            Some([lon, lat]) => {
                ctx.out.array(2);
                reply_coordinate(ctx, lon);
                reply_coordinate(ctx, lat);
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Searches
// ---------------------------------------------------------------------------------------

/// Around coordinates given after the key (GEORADIUS).
const RADIUS_COORDS: u8 = 1 << 0;
/// Around a member given after the key (GEORADIUSBYMEMBER).
const RADIUS_MEMBER: u8 = 1 << 1;
/// STORE and STOREDIST are refused (the `_RO` forms).
const RADIUS_NOSTORE: u8 = 1 << 2;
/// GEOSEARCH's argument style.
const GEOSEARCH: u8 = 1 << 3;
/// GEOSEARCHSTORE: destination first, STOREDIST is a flag.
const GEOSEARCHSTORE: u8 = 1 << 4;

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortOrder {
    None,
    Asc,
    Desc,
}

/// One match: decoded position, distance to the centre (meters until replied), score.
#[derive(Clone, Debug)]
struct Point {
    lon: f64,
    lat: f64,
    dist: f64,
    score: f64,
    member: Vec<u8>,
}

/// Where the options start: after `key lon lat radius unit`, `key member radius unit`,
/// `key` or `dest src`.
fn base_args(flags: u8) -> usize {
    if flags & RADIUS_COORDS != 0 {
        6
    } else if flags & RADIUS_MEMBER != 0 {
        5
    } else if flags & GEOSEARCHSTORE != 0 {
        3
    } else {
        2
    }
}

/// The destinations a GEORADIUS call may name with STORE/STOREDIST, found by walking the
/// options the way the parser will (which fails first should the walks ever differ), so
/// that their shards are locked along with the source's.
fn store_candidates<'a>(args: &Args<'a>, base: usize) -> Vec<&'a [u8]> {
    let mut found = Vec::new();
    let remaining = args.len().saturating_sub(base);
    let mut i = 0;
    while i < remaining {
        let at = base + i;
        if (args.is(at, "store") || args.is(at, "storedist")) && i + 1 < remaining {
            found.push(args.arg(at + 1));
            i += 1;
        } else if args.is(at, "count") && i + 1 < remaining {
            i += 1;
        }
        i += 1;
    }
    found
}

/// Parsed search options.
struct Query<'a> {
    shape: Option<Shape>,
    withdist: bool,
    withhash: bool,
    withcoord: bool,
    any: bool,
    sort: SortOrder,
    count: i64,
    store: Option<&'a [u8]>,
    storedist: bool,
}

/// The option loop of `georadiusGeneric`, in its order: the first failing check wins.
fn parse_query<'a>(args: &Args<'a>, flags: u8, z: Option<&ZSet>) -> Result<Query<'a>, CmdError> {
    let base = base_args(flags);
    let mut shape: Option<Shape> = None;
    let mut xy = [0.0f64; 2];
    if flags & RADIUS_COORDS != 0 {
        xy = lon_lat(args.arg(2), args.arg(3))?;
        let (radius, conversion) = distance_arg(args.arg(4), args.arg(5))?;
        shape = Some(Shape {
            kind: ShapeKind::Circle { radius },
            xy,
            conversion,
        });
    } else if flags & RADIUS_MEMBER != 0 {
        // A missing key still parses the options (to pick the reply), not the radius.
        if let Some(z) = z {
            xy = member_position(z, args.arg(2))?;
            let (radius, conversion) = distance_arg(args.arg(3), args.arg(4))?;
            shape = Some(Shape {
                kind: ShapeKind::Circle { radius },
                xy,
                conversion,
            });
        }
    }
    let search = flags & GEOSEARCH != 0;
    let store_ok = flags & (RADIUS_NOSTORE | GEOSEARCH) == 0;
    let mut q = Query {
        shape: None,
        withdist: false,
        withhash: false,
        withcoord: false,
        any: false,
        sort: SortOrder::None,
        count: 0,
        store: (flags & GEOSEARCHSTORE != 0).then(|| args.arg(1)),
        storedist: false,
    };
    let (mut frommember, mut fromloc) = (false, false);
    let (mut byradius, mut bybox, mut bypolygon) = (false, false, false);
    // GEOSEARCH builds its shape from separate options: the centre and the area.
    let mut kind: Option<ShapeKind> = None;
    let mut conversion = 0.0;
    let remaining = args.len().saturating_sub(base);
    let mut i = 0;
    while i < remaining {
        let at = base + i;
        let left = |n: usize| i + n < remaining;
        if args.is(at, "withdist") {
            q.withdist = true;
        } else if args.is(at, "withhash") {
            q.withhash = true;
        } else if args.is(at, "withcoord") {
            q.withcoord = true;
        } else if args.is(at, "any") {
            q.any = true;
        } else if args.is(at, "asc") {
            q.sort = SortOrder::Asc;
        } else if args.is(at, "desc") {
            q.sort = SortOrder::Desc;
        } else if args.is(at, "count") && left(1) {
            q.count = parse_i64(args.arg(at + 1))?;
            if q.count <= 0 {
                return Err(CmdError::Other("ERR COUNT must be > 0"));
            }
            i += 1;
        } else if (args.is(at, "store") || args.is(at, "storedist")) && left(1) && store_ok {
            q.store = Some(args.arg(at + 1));
            q.storedist = args.is(at, "storedist");
            i += 1;
        } else if args.is(at, "storedist") && flags & GEOSEARCHSTORE != 0 {
            q.storedist = true;
        } else if args.is(at, "frommember") && left(1) && search && !fromloc && !bypolygon {
            if let Some(z) = z {
                xy = member_position(z, args.arg(at + 1))?;
            }
            frommember = true;
            i += 1;
        } else if args.is(at, "fromlonlat") && left(2) && search && !frommember && !bypolygon {
            xy = lon_lat(args.arg(at + 1), args.arg(at + 2))?;
            fromloc = true;
            i += 2;
        } else if args.is(at, "byradius") && left(2) && search && !bybox && !bypolygon {
            let (radius, conv) = distance_arg(args.arg(at + 1), args.arg(at + 2))?;
            kind = Some(ShapeKind::Circle { radius });
            conversion = conv;
            byradius = true;
            i += 2;
        } else if args.is(at, "bybox") && left(3) && search && !byradius && !bypolygon {
            let width = float_arg(args.arg(at + 1), Some("ERR need numeric width"))?;
            let height = float_arg(args.arg(at + 2), Some("ERR need numeric height"))?;
            if height < 0.0 || width < 0.0 {
                return Err(CmdError::Other("ERR height or width cannot be negative"));
            }
            conversion = unit(args.arg(at + 3))?;
            kind = Some(ShapeKind::Box { width, height });
            bybox = true;
            i += 3;
        } else if args.is(at, "bypolygon")
            && left(2)
            && search
            && !byradius
            && !bybox
            && !frommember
            && !fromloc
        {
            let n = parse_i64(args.arg(at + 1))
                .ok()
                .and_then(|n| i32::try_from(n).ok())
                .ok_or(CmdError::Other("ERR invalid number of vertices"))?;
            let possible = (remaining - i - 2) / 2;
            if n < 3 || (possible as u64) < n as u64 {
                return Err(CmdError::Other(
                    "ERR GEOSEARCH BYPOLYGON must have at least 3 vertices",
                ));
            }
            let n = n as usize;
            let mut points = Vec::with_capacity(n);
            for j in 0..n {
                let p = at + 2 + j * 2;
                points.push(lon_lat(args.arg(p), args.arg(p + 1))?);
            }
            kind = Some(ShapeKind::Polygon(points));
            conversion = 1.0;
            bypolygon = true;
            i += 1 + n * 2;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }

    if q.store.is_some() && (q.withdist || q.withhash || q.withcoord) {
        return Err(CmdError::Other(if flags & GEOSEARCHSTORE != 0 {
            "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        } else {
            "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        }));
    }
    let name = String::from_utf8_lossy(args.arg(0));
    if search && !(frommember || fromloc) && !bypolygon {
        return Err(CmdError::Owned(format!(
            "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}"
        )));
    }
    if search && !(byradius || bybox || bypolygon) {
        return Err(CmdError::Owned(format!(
            "ERR exactly one of BYRADIUS, BYBOX and BYPOLYGON can be specified for {name}"
        )));
    }
    if q.any && q.count == 0 {
        return Err(CmdError::Other(
            "ERR the ANY argument requires COUNT argument",
        ));
    }
    q.shape = if search {
        kind.map(|kind| Shape {
            kind,
            xy,
            conversion,
        })
    } else {
        shape
    };
    Ok(q)
}

/// Appends the members with scores in `min..max` that lie within the shape, stopping once
/// `limit` (when not 0) points were found (`geoGetPointsInRange`).
fn points_in_range(
    z: &ZSet,
    min: f64,
    max: f64,
    shape: &Shape,
    out: &mut Vec<Point>,
    limit: usize,
) {
    let range = ScoreRange {
        min,
        min_ex: false,
        max,
        max_ex: true,
    };
    let (first, end) = z.score_bounds(&range);
    for (member, score) in z.iter_from(first, false).take(end - first) {
        let [lon, lat] = geohash::decode_score(score);
        if let Some(dist) = geohash::distance_if_within(shape, [lon, lat]) {
            out.push(Point {
                lon,
                lat,
                dist,
                score,
                member: member.to_vec(),
            });
        }
        if !out.is_empty() && limit != 0 && out.len() >= limit {
            break;
        }
    }
}

/// Scans the nine cells (`membersOfAllNeighbors`); a cell equal to the last one scanned is
/// skipped (large radii make neighbours coincide).
fn search_points(z: &ZSet, shape: &mut Shape, limit: usize) -> Vec<Point> {
    let cells = geohash::search_cells(shape);
    let mut out = Vec::new();
    let mut last = 0;
    for (i, cell) in cells.iter().enumerate() {
        if cell.is_zero() {
            continue;
        }
        // As in Valkey, the centre cell (index 0) is never compared against.
        if last != 0 && *cell == cells[last] {
            continue;
        }
        if !out.is_empty() && limit != 0 && out.len() >= limit {
            break;
        }
        let min = cell.align52();
        let max = Bits {
            bits: cell.bits + 1,
            step: cell.step,
        }
        .align52();
        points_in_range(z, min as f64, max as f64, shape, &mut out, limit);
        last = i;
    }
    out
}

/// GEORADIUS & co. and GEOSEARCH(STORE) (`georadiusGeneric`).
fn search(ctx: &mut Ctx<'_>, args: &Args<'_>, flags: u8) -> Result<(), CmdError> {
    let src = args.arg(if flags & GEOSEARCHSTORE != 0 { 2 } else { 1 });
    let mut keys = vec![src];
    if flags & GEOSEARCHSTORE != 0 {
        keys.push(args.arg(1));
    } else if flags & (RADIUS_NOSTORE | GEOSEARCH) == 0 {
        keys.extend(store_candidates(args, base_args(flags)));
    }
    let mut guards = ctx.db().lock_keys(keys.iter().copied());
    let now = ctx.now_ms;
    let z = typed::read::<ZSet>(guards.get_mut(Db::shard_of(src)), src, now)?;
    let mut q = parse_query(args, flags, z)?;

    let (Some(z), Some(mut shape)) = (z, q.shape.take()) else {
        // No source key: the destination is deleted.
        match q.store {
            Some(dst) => {
                let deleted = guards.get_mut(Db::shard_of(dst)).remove(dst).is_some();
                drop(guards);
                typed::notify_deleted(ctx, deleted, dst);
                ctx.out.integer(0);
            }
            None => ctx.out.array(0),
        }
        return Ok(());
    };
    let mut sort = q.sort;
    if q.count != 0 && sort == SortOrder::None && !q.any {
        sort = SortOrder::Asc;
    }
    let limit = if q.any { q.count as usize } else { 0 };
    let mut points = search_points(z, &mut shape, limit);

    let total = points.len();
    let returned = if q.count == 0 || (total as i64) < q.count {
        total
    } else {
        q.count as usize
    };
    if sort != SortOrder::None && total > 0 {
        // Valkey's comparator: `dist >` sorts after, `==` ties, anything else before.
        let asc = |a: &Point, b: &Point| {
            if a.dist > b.dist {
                Ordering::Greater
            } else if a.dist == b.dist {
                Ordering::Equal
            } else {
                Ordering::Less
            }
        };
        let desc = |a: &Point, b: &Point| asc(a, b).reverse();
        match (sort, returned == total) {
            (SortOrder::Asc, true) => sort::merge_sort(&mut points, &asc),
            (_, true) => sort::merge_sort(&mut points, &desc),
            (SortOrder::Asc, false) => pqsort(&mut points, 0, returned as i64 - 1, &asc),
            (_, false) => pqsort(&mut points, 0, returned as i64 - 1, &desc),
        }
    }
    points.truncate(returned);
    for p in &mut points {
        p.dist /= shape.conversion;
    }

    let Some(dst) = q.store else {
        drop(guards);
        reply_points(ctx, &q, &points);
        return Ok(());
    };
    let shard = guards.get_mut(Db::shard_of(dst));
    let deleted = points.is_empty() && shard.remove(dst).is_some();
    if !points.is_empty() {
        let enc = ctx.config.encodings;
        let longest = points.iter().map(|p| p.member.len()).max().unwrap_or(0);
        let mut out = ZSet::with_hint(points.len(), longest, &enc);
        for p in &points {
            out.insert(&p.member, if q.storedist { p.dist } else { p.score }, &enc);
        }
        shard.insert(dst, Entry::new(Value::ZSet(Shared::new(out))));
    }
    drop(guards);
    let event = if flags & GEOSEARCH != 0 {
        "geosearchstore"
    } else {
        "georadiusstore"
    };
    typed::Stored::new(!points.is_empty(), deleted).notify(ctx, class::ZSET, event, dst);
    ctx.out.integer(points.len() as i64);
    Ok(())
}

/// The search reply: members alone, or `[member, dist?, hash?, [lon, lat]?]` per match.
fn reply_points(ctx: &mut Ctx<'_>, q: &Query<'_>, points: &[Point]) {
    let extra = usize::from(q.withdist) + usize::from(q.withhash) + usize::from(q.withcoord);
    ctx.out.array(points.len());
    for p in points {
        if extra > 0 {
            ctx.out.array(extra + 1);
        }
        ctx.out.bulk(&p.member);
        if q.withdist {
            ctx.out.bulk(distance_text(p.dist).as_bytes());
        }
        if q.withhash {
            ctx.out.integer(geohash::c_double_to_i64(p.score));
        }
        if q.withcoord {
            ctx.out.array(2);
            reply_coordinate(ctx, p.lon);
            reply_coordinate(ctx, p.lat);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_have_four_decimals() {
        assert_eq!(distance_text(0.0), "0.0000");
        assert_eq!(distance_text(166274.1516), "166274.1516");
        assert_eq!(distance_text(0.00005), "0.0000");
        assert_eq!(distance_text(0.7750), "0.7750");
        assert_eq!(distance_text(12.0), "12.0000");
    }
}
