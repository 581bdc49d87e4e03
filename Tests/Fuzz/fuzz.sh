#!/usr/bin/env bash
# Builds the libFuzzer harnesses in Tests/Fuzz and runs each one for FUZZ_SECONDS over
# its seed corpus (Tests/Fuzz/corpus/NAME). `make fuzz` runs this; see Tests/Fuzz/README.md.
#
#   FUZZ_SECONDS=30      seconds per harness
#   FUZZ_TARGETS="csv"   only these harnesses (default: all)
#   FUZZ_BUILD_ONLY=1    build, do not run
#   FUZZ_OPT=-O          swiftc optimization for OrderCore and the harnesses
#   FUZZ_SKIP_KNOWN=1    harnesses steer around findings already in Tests/Fuzz/crashes
#
# Build: SwiftPM builds swift-crypto (Crypto, _CryptoExtras) into .build-fuzz; swiftc
# then compiles all of Sources/OrderCore once, instrumented (-sanitize=fuzzer,address,
# -enable-testing so harnesses reach internal API), and links each harness against it.
# Everything generated goes under .build-fuzz/ (git-ignored): the binaries, the inputs
# the fuzzer finds (fuzz/corpus/NAME) and crash inputs (fuzz/crashes/).
# Exit status: non-zero if any harness crashed (or did not build).
set -euo pipefail
cd "$(dirname "$0")/../.."

SWIFT=${SWIFT:-swift}
SWIFTC=${SWIFTC:-swiftc}
SECONDS_EACH=${FUZZ_SECONDS:-30}
OPT=${FUZZ_OPT:--O}
SCRATCH=.build-fuzz
OUT=$SCRATCH/fuzz
ALL="csv json dates money map age"
TARGETS=${FUZZ_TARGETS:-$ALL}

mkdir -p "$OUT/bin" "$OUT/obj" "$OUT/crashes"

# 1. swift-crypto, as SwiftPM builds it for the package (debug).
echo "== building swift-crypto (SwiftPM, $SCRATCH)"
$SWIFT build --scratch-path "$SCRATCH" --target _CryptoExtras >/dev/null
MODULES=$SCRATCH/debug/Modules
CRYPTO_OBJS=()
for dir in Crypto _CryptoExtras CryptoBoringWrapper SwiftASN1 CCryptoBoringSSL CCryptoBoringSSLShims; do
    while IFS= read -r o; do CRYPTO_OBJS+=("$o"); done < <(find "$SCRATCH/debug/$dir.build" -name '*.o' | sort)
done
[ ${#CRYPTO_OBJS[@]} -gt 0 ] || { echo "no swift-crypto objects under $SCRATCH/debug" >&2; exit 1; }

# 2. OrderCore, with its embedded schema (what SwiftPM's embedInCode generates).
SOURCES=()
while IFS= read -r f; do SOURCES+=("$f"); done < <(find Sources/OrderCore -name '*.swift' | sort)
RES=$OUT/obj/embedded_resources.swift
{
    echo "struct PackageResources {"
    printf "static let schema_sql: [UInt8] = ["
    od -An -v -tu1 Sources/OrderCore/Resources/schema.sql | tr -s ' \n' ',' | sed 's/^,//; s/,$//'
    echo "]"
    echo "}"
} > "$RES.new"
cmp -s "$RES.new" "$RES" 2>/dev/null && rm "$RES.new" || mv "$RES.new" "$RES"

INCLUDES=(-I "$MODULES" -I Sources/CSQLite -I Sources/CZlib)
CORE_OBJ=$OUT/obj/OrderCore.o
stamp=$OUT/obj/OrderCore.inputs
{ echo "$OPT"; $SWIFTC --version 2>&1; cat "${SOURCES[@]}" "$RES" | cksum; } > "$stamp.new"
if [ ! -f "$CORE_OBJ" ] || ! cmp -s "$stamp.new" "$stamp"; then
    echo "== compiling OrderCore (${#SOURCES[@]} files, $OPT, -sanitize=fuzzer,address)"
    $SWIFTC -module-name OrderCore -parse-as-library -swift-version 6 -enable-testing -wmo $OPT -g \
        -sanitize=fuzzer,address "${INCLUDES[@]}" \
        -emit-module -emit-module-path "$OUT/obj/OrderCore.swiftmodule" \
        -c "${SOURCES[@]}" "$RES" -o "$CORE_OBJ"
    mv "$stamp.new" "$stamp"
else
    rm "$stamp.new"
fi

# 3. One executable per harness (libFuzzer supplies main).
declare -A FILE=([csv]=FuzzCSV [json]=FuzzJSON [dates]=FuzzDates [money]=FuzzMoney [map]=FuzzMap [age]=FuzzAge)
for t in $TARGETS; do
    [ -n "${FILE[$t]:-}" ] || { echo "unknown harness $t (known: $ALL)" >&2; exit 2; }
    bin=$OUT/bin/fuzz-$t
    if [ ! -x "$bin" ] || [ "$CORE_OBJ" -nt "$bin" ] || [ Tests/Fuzz/${FILE[$t]}.swift -nt "$bin" ] || [ Tests/Fuzz/FuzzSupport.swift -nt "$bin" ]; then
        echo "== linking fuzz-$t"
        $SWIFTC -module-name Fuzz_$t -parse-as-library -swift-version 6 $OPT -g -sanitize=fuzzer,address -use-ld=lld \
            -I "$OUT/obj" "${INCLUDES[@]}" \
            Tests/Fuzz/FuzzSupport.swift Tests/Fuzz/${FILE[$t]}.swift \
            "$CORE_OBJ" "${CRYPTO_OBJS[@]}" -lsqlite3 -lz -o "$bin"
    fi
done
[ "${FUZZ_BUILD_ONLY:-}" = 1 ] && exit 0

# 4. Run each for SECONDS_EACH over its seeds; new inputs go to $OUT/corpus/NAME.
failed=()
summary=()
for t in $TARGETS; do
    mkdir -p "$OUT/corpus/$t"
    log=$OUT/fuzz-$t.log
    echo "== fuzz-$t for ${SECONDS_EACH}s (log: $log)"
    started=$(date +%s)
    set +e
    # SWIFT_BACKTRACE: the Swift runtime's crash handler reads memory ASan calls wild
    # and hides the trap; with it off, libFuzzer prints the trap and its stack.
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} "$OUT/bin/fuzz-$t" \
        -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -detect_leaks=0 -artifact_prefix="$OUT/crashes/$t-" \
        "$OUT/corpus/$t" "Tests/Fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    set -e
    took=$(( $(date +%s) - started ))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    line="fuzz-$t: ${execs:-?} executions in ${took}s"
    if [ $rc -ne 0 ]; then
        failed+=("$t")
        artifact=$(grep -o "Test unit written to [^ ]*" "$log" | tail -1 | sed 's/Test unit written to //' || true)
        line="$line, CRASHED (exit $rc): ${artifact:-see $log}"
        # The trap and the first frames in this project's code.
        grep -m1 -E "Fatal error|fuzz check failed|ERROR: AddressSanitizer|ERROR: libFuzzer" "$log" | sed 's/^/    /' || true
        grep -E "Swift runtime failure|Sources/OrderCore|Tests/Fuzz/Fuzz" "$log" | head -4 | sed 's/^ */    /' || true
    fi
    echo "$line"
    summary+=("$line")
done
echo
echo "== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "crashed: ${failed[*]} (inputs under $OUT/crashes/; reproduce: $OUT/bin/fuzz-NAME FILE)"
    exit 1
fi
