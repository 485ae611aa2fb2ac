use super::*;
use crate::writer::Protocol;

fn one(input: &[u8]) -> Result<Option<(Frame, usize)>, DecodeError> {
    decode(input, &DecodeLimits::default())
}

#[test]
fn decodes_every_type() {
    let input = b"*13\r\n+OK\r\n-ERR x\r\n:-5\r\n$3\r\nabc\r\n$-1\r\n_\r\n,1.5\r\n#t\r\n(123\r\n=6\r\ntxt:hi\r\n!3\r\nERR\r\n%1\r\n~1\r\n:1\r\n>0\r\n|1\r\n+k\r\n+v\r\n:7\r\n";
    let (frame, used) = one(input).unwrap().unwrap();
    assert_eq!(used, input.len());
    let Frame::Array(items) = frame else {
        panic!("array expected")
    };
    assert_eq!(items.len(), 13);
    assert_eq!(items[0], Frame::Simple(b"OK".to_vec()));
    assert_eq!(items[3], Frame::Bulk(b"abc".to_vec()));
    assert_eq!(items[4], Frame::Null);
    assert_eq!(items[6], Frame::Double(1.5));
    assert_eq!(
        items[9],
        Frame::Verbatim {
            format: *b"txt",
            text: b"hi".to_vec()
        }
    );
    assert_eq!(
        items[11],
        Frame::Map(vec![(
            Frame::Set(vec![Frame::Integer(1)]),
            Frame::Push(vec![])
        )])
    );
    assert_eq!(
        items[12],
        Frame::Attribute {
            attrs: vec![(Frame::Simple(b"k".to_vec()), Frame::Simple(b"v".to_vec()))],
            value: Box::new(Frame::Integer(7)),
        }
    );
}

#[test]
fn every_prefix_is_incomplete() {
    let input = b"*2\r\n$5\r\nhello\r\n%1\r\n+a\r\n,inf\r\n";
    for cut in 0..input.len() {
        assert_eq!(one(&input[..cut]), Ok(None), "cut at {cut}");
    }
    assert!(one(input).unwrap().is_some());
}

#[test]
fn hostile_input_is_rejected() {
    assert_eq!(one(b"$5\r\nhelloXX"), Err(DecodeError::InvalidCrlf));
    assert_eq!(one(b"$-2\r\n"), Err(DecodeError::InvalidLength));
    assert_eq!(one(b"$99999999999\r\n"), Err(DecodeError::InvalidLength));
    assert_eq!(one(b"?x\r\n"), Err(DecodeError::UnknownType(b'?')));
    assert_eq!(one(b"$?\r\n"), Err(DecodeError::InvalidLength));
    assert_eq!(one(b"#x\r\n"), Err(DecodeError::InvalidBoolean));
    assert_eq!(one(b",1x\r\n"), Err(DecodeError::InvalidDouble));
    assert_eq!(one(b"(12a\r\n"), Err(DecodeError::InvalidBigNumber));
    assert_eq!(one(b"=2\r\nab\r\n"), Err(DecodeError::InvalidVerbatim));
    assert_eq!(one(b"+a\rb"), Err(DecodeError::InvalidCrlf));
    let deep = b"*1\r\n".repeat(200);
    assert_eq!(one(&deep), Err(DecodeError::TooDeep));
    // A huge declared count allocates nothing before its elements arrive.
    assert_eq!(one(b"*2147483647\r\n:1\r\n"), Ok(None));
}

#[test]
fn round_trips_through_both_protocols() {
    let frame = Frame::Array(vec![
        Frame::Map(vec![(
            Frame::Bulk(b"k".to_vec()),
            Frame::Double(f64::NEG_INFINITY),
        )]),
        Frame::Set(vec![Frame::Boolean(false), Frame::NullArray]),
        Frame::Push(vec![Frame::BigNumber(b"-99".to_vec())]),
        Frame::Double(1e23),
        Frame::Double(f64::NAN),
        Frame::BulkError(b"ERR a\r\nb".to_vec()),
        Frame::Attribute {
            attrs: vec![],
            value: Box::new(Frame::Null),
        },
        Frame::Verbatim {
            format: *b"mkd",
            text: b"# x".to_vec(),
        },
    ]);
    for proto in [Protocol::Resp2, Protocol::Resp3] {
        let mut out = Vec::new();
        frame.encode(&mut out, proto);
        let (back, used) = one(&out).unwrap().unwrap();
        assert_eq!(used, out.len());
        assert_eq!(back, frame.as_received(proto), "{proto:?}");
    }
}
