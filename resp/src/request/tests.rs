//! Expected outcomes were checked against Valkey 9.1.2 over a raw socket (the reply to each
//! input, including the protocol error text), except where a test says otherwise.

use super::*;

type Args = Vec<Vec<u8>>;

/// Parses a whole buffer: the non-empty requests, then the error or the unparsed tail length.
fn run(input: &[u8]) -> (Vec<Args>, Result<usize, ProtocolError>) {
    let mut p = RequestParser::default();
    let mut at = 0;
    let mut out = Vec::new();
    loop {
        match p.parse(&input[at..]) {
            Ok(Some(req)) => {
                at += req.consumed();
                if !req.is_empty() {
                    out.push(req.iter().map(<[u8]>::to_vec).collect());
                }
            }
            Ok(None) => return (out, Ok(input.len() - at)),
            Err(e) => return (out, Err(e)),
        }
    }
}

fn args(list: &[&str]) -> Args {
    list.iter().map(|s| s.as_bytes().to_vec()).collect()
}

#[test]
fn multibulk_pipeline_parses_in_one_pass() {
    let (reqs, rest) = run(b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$3\r\nb c\r\n*1\r\n$4\r\nPING\r\n");
    assert_eq!(reqs, vec![args(&["SET", "a", "b c"]), args(&["PING"])]);
    assert_eq!(rest, Ok(0));
}

#[test]
fn empty_and_negative_counts_are_skipped() {
    let (reqs, rest) = run(b"*0\r\n*-1\r\n*-5\r\n\r\n   \r\nPING\r\n");
    assert_eq!(reqs, vec![args(&["PING"])]);
    assert_eq!(rest, Ok(0));
}

#[test]
fn empty_argument_is_an_argument() {
    let (reqs, _) = run(b"*1\r\n$0\r\n\r\n");
    assert_eq!(reqs, vec![vec![Vec::new()]]);
}

#[test]
fn inline_quoting_matches_valkey() {
    let cases: &[(&[u8], &[&str])] = &[
        (b"ECHO \"a\\x41\\n\"b\r\n", &["ECHO", "aA\nb"]),
        (b"ECHO 'a\\'b'\r\n", &["ECHO", "a'b"]),
        (b"ECHO \"a\"b\r\n", &["ECHO", "ab"]),
        (b"ECHO 'a'b\r\n", &["ECHO", "ab"]),
        (b"ECHO a\"b c\"d\r\n", &["ECHO", "ab cd"]),
        (b"ECHO \"a\\\\\"\r\n", &["ECHO", "a\\"]),
        (b"ECHO \x0ba\r\n", &["ECHO", "a"]),
        (b"ECHO a\x0bb\r\n", &["ECHO", "a\x0bb"]),
        (b"ECHO \"a\"\x0b\r\n", &["ECHO", "a\x0b"]),
        (b"ECHO \"a\\\\\"b\r\n", &["ECHO", "a\\b"]),
        (b"ECHO 'a\\nb'\r\n", &["ECHO", "a\\nb"]),
        (b"ECHO \"\"\r\n", &["ECHO", ""]),
        (b"ECHO \"a\"\" b\"\r\n", &["ECHO", "a b"]),
        (b"ECHO \"a\"'b'\r\n", &["ECHO", "ab"]),
        (b"ECHO \"\\\\x4A\"\r\n", &["ECHO", "\\x4A"]),
        (b"ECHO \"a\\\\x4\"\r\n", &["ECHO", "a\\x4"]),
        (b"ECHO a\rb\r\n", &["ECHO", "a", "b"]),
        (b"\"\" \"\"\r\n", &["", ""]),
    ];
    for (input, want) in cases {
        let (reqs, rest) = run(input);
        assert_eq!(
            reqs,
            vec![args(want)],
            "input {:?}",
            String::from_utf8_lossy(input)
        );
        assert_eq!(rest, Ok(0));
    }
}

#[test]
fn inline_accepts_bare_newline() {
    let (reqs, _) = run(b"ECHO a\nPING\n");
    assert_eq!(reqs, vec![args(&["ECHO", "a"]), args(&["PING"])]);
}

#[test]
fn protocol_errors_match_valkey() {
    use ProtocolError::*;
    let cases: &[(&[u8], ProtocolError)] = &[
        (b"*x\r\n", InvalidMultibulkLength),
        (b"*\r\n", InvalidMultibulkLength),
        (b"* 1\r\n", InvalidMultibulkLength),
        (b"*1x\r\n", InvalidMultibulkLength),
        (b"*1\r\nx\r\n", ExpectedDollar(b'x')),
        (b"*1\r\n\r\n", ExpectedDollar(b'\r')),
        (b"*1\r\nx\rx", ExpectedDollar(b'x')),
        (b"*1\r\n$-1\r\n", InvalidBulkLength),
        (b"*1\r\n$\r\n", InvalidBulkLength),
        (b"*1\r\n$01\r\n", InvalidBulkLength),
        (b"*1\r\n$+1\r\n", InvalidBulkLength),
        (b"*1\r\n$1x\r\n", InvalidBulkLength),
        (b"*2\r\n$4\r\nECHO\r\n$-0\r\n", InvalidBulkLength),
        (b"*1\r\n$536870913\r\n", InvalidBulkLength),
        (b"*1\r\n$3\r\nfooXYPING\r\n", InvalidCrlf),
        (b"*1\r\n$4\r\nPING\r\r", InvalidCrlf),
        (b"*1\rx$4\r\nPING\r\n", InvalidCrlf),
        (b"*1\r\n$4\rxPING\r\n", InvalidCrlf),
        (b"SET a \"b c\r\n", UnbalancedQuotes),
        (b"ECHO \"a\\\\\"\" x\r\n", UnbalancedQuotes),
        (b"ECHO \"a\\\r\n", UnbalancedQuotes),
    ];
    for (input, want) in cases {
        let (_, got) = run(input);
        assert_eq!(
            got,
            Err(*want),
            "input {:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn error_messages_are_byte_exact() {
    assert_eq!(
        ProtocolError::InvalidMultibulkLength.message(),
        b"Protocol error: invalid multibulk length"
    );
    assert_eq!(
        ProtocolError::ExpectedDollar(b'x').message(),
        b"Protocol error: expected '$', got 'x'"
    );
    assert_eq!(
        ProtocolError::ExpectedDollar(b'\r').message(),
        b"Protocol error: expected '$', got ' '"
    );
    assert_eq!(
        ProtocolError::TooBigInlineRequest.message(),
        b"Protocol error: too big inline request"
    );
}

#[test]
fn oversized_lines_without_terminator_fail() {
    let mut big = b"*1".to_vec();
    big.resize(70_000, b'1');
    assert_eq!(run(&big).1, Err(ProtocolError::TooBigMbulkCountString));
    let mut big = b"*1\r\n$".to_vec();
    big.resize(70_000, b'1');
    assert_eq!(run(&big).1, Err(ProtocolError::TooBigBulkCountString));
    let mut big = b"ECHO ".to_vec();
    big.resize(70_000, b'a');
    assert_eq!(run(&big).1, Err(ProtocolError::TooBigInlineRequest));
    // The same lines fail when their end arrives in the same read.
    let mut big = b"ECHO ".to_vec();
    big.resize(70_000, b'a');
    big.extend_from_slice(b"\r\n");
    assert_eq!(run(&big).1, Err(ProtocolError::TooBigInlineRequest));
    let mut big = b"*1".to_vec();
    big.resize(70_000, b'1');
    big.extend_from_slice(b"\r\n");
    assert_eq!(run(&big).1, Err(ProtocolError::TooBigMbulkCountString));
    // A long inline line under the limit is fine once its newline is there.
    let mut ok = b"ECHO ".to_vec();
    ok.resize(65_535, b'a');
    ok.extend_from_slice(b"\r\n");
    assert_eq!(run(&ok).0.len(), 1);
}

#[test]
fn nul_before_newline_blocks_inline_like_valkey() {
    // Valkey answers nothing to `ECHO a\0b\r\nPING\r\n`: the line never ends.
    let input = b"ECHO a\x00b\r\nPING\r\n";
    let (reqs, rest) = run(input);
    assert!(reqs.is_empty());
    assert_eq!(rest, Ok(input.len()));
}

#[test]
fn partial_requests_wait_for_more() {
    for partial in [
        &b"*1\r\n$4\r\nPING\r"[..],
        b"*12\r\n",
        b"*1\r\n$4\r\nPI",
        b"*1\r",
        b"PING",
        b"ECHO \"a\\",
    ] {
        let (reqs, rest) = run(partial);
        assert!(reqs.is_empty());
        assert_eq!(
            rest,
            Ok(partial.len()),
            "{:?}",
            String::from_utf8_lossy(partial)
        );
    }
}

#[test]
fn huge_declared_bulk_allocates_nothing_up_front() {
    let mut p = RequestParser::default();
    let head = b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$536870912\r\nabc";
    assert!(p.parse(head).unwrap().is_none());
    // The parser holds three spans' worth of state, not 512 MB.
    assert!(p.spans.capacity() <= RESERVE_LIMIT);
    assert!(p.scratch.capacity() == 0);
}

#[test]
fn byte_by_byte_equals_whole() {
    let input: &[u8] =
        b"*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\nSET k \"v w\"\r\n*0\r\n*1\r\n$4\r\nPING\r\n";
    let (whole, _) = run(input);
    let mut p = RequestParser::default();
    let mut buf = Vec::new();
    let mut got = Vec::new();
    for &b in input {
        buf.push(b);
        while let Some(req) = p.parse(&buf).unwrap() {
            let n = req.consumed();
            if !req.is_empty() {
                got.push(req.iter().map(<[u8]>::to_vec).collect::<Args>());
            }
            buf.drain(..n);
        }
    }
    assert_eq!(got, whole);
    assert_eq!(got.len(), 3);
}

#[test]
fn failed_parser_stays_failed() {
    let mut p = RequestParser::default();
    assert!(p.parse(b"*x\r\n").is_err());
    assert_eq!(
        p.parse(b"PING\r\n").unwrap_err(),
        ProtocolError::InvalidMultibulkLength
    );
}

#[test]
fn unauthenticated_limits() {
    let mut p = RequestParser::default();
    p.set_authenticated(false);
    assert_eq!(
        p.parse(b"*11\r\n").unwrap_err(),
        ProtocolError::UnauthenticatedMultibulkLength
    );
    let mut p = RequestParser::default();
    p.set_authenticated(false);
    assert_eq!(
        p.parse(b"*1\r\n$16385\r\n").unwrap_err(),
        ProtocolError::UnauthenticatedBulkLength
    );
}

#[test]
fn max_args_limit() {
    // The issue's limit (1,048,576); Valkey 9 itself allows up to INT_MAX.
    assert_eq!(
        run(b"*1048577\r\n").1,
        Err(ProtocolError::InvalidMultibulkLength)
    );
    assert_eq!(run(b"*1048576\r\n").1, Ok(10));
}
