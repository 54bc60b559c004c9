#!/usr/bin/env ruby
# frozen_string_literal: true
#
# make_era_expected.rb -- golden expected outputs for `heapdump read` on the
# synthetic per-era dumps in fixtures/eras/ (see fixtures/eras/README.md).
#
#     ruby tests/golden/make_era_expected.rb           # every era case
#     ruby tests/golden/make_era_expected.rb NAME...   # only these cases
#     ruby tests/golden/check_read_expected.rb         # independent re-check (see below)
#
# Run from the repository root. It reuses make_read_expected.rb (required,
# not run): the same heapy run, the same naive JSON.parse reference numbers,
# the same checks of heapy's lines and the same documented adjustments
# (tests/golden/README.md). One thing is added:
#
#   strict-json-escapes -- json 2.6.1 (what heapy runs on) accepts escapes
#   that JSON does not allow, e.g. `\e` (the 2.3-style invalid escape in
#   ruby-2.5.json), and heapy counts such a line. The spec skips any line
#   that is not valid JSON. So for a file with such lines:
#     * heapy is run on the real file (heapy.stdout), and its output is
#       checked against the reference numbers computed *with* those lines
#       (everything heapy printed is explained);
#     * heapy is run again on a temporary copy without those lines, and the
#       expected output is built from that run with the reference numbers
#       computed *without* them (they are skipped, like any invalid line).
#   The copy is removed at the end.

require_relative 'make_read_expected'

ERA_FILES = {
  '2_1' => 'fixtures/eras/ruby-2.1.json',
  '2_5' => 'fixtures/eras/ruby-2.5.json',
  '2_7' => 'fixtures/eras/ruby-2.7.json',
  '3_0' => 'fixtures/eras/ruby-3.0.json',
  '3_1' => 'fixtures/eras/ruby-3.1.json',
  '3_2' => 'fixtures/eras/ruby-3.2.json',
  '3_3' => 'fixtures/eras/ruby-3.3.json',
  '3_4' => 'fixtures/eras/ruby-3.4.json',
  '3_4_novalue' => 'fixtures/eras/ruby-3.4-string_value_false.json',
}.freeze

ERA_CASES = ERA_FILES.flat_map do |x, f|
  [["era_#{x}_summary", f, []], ["era_#{x}_all", f, ['all']]]
end.freeze

# Every backslash escape is one JSON allows (pairs consumed from the left).
def json_escapes_ok?(line)
  line.b.scan(/\\(u[0-9A-Fa-f]{4}|.)/m).all? { |(e)| e.start_with?('u') ? e.size == 5 : '"\\/bfnrt'.include?(e) }
end

# -> [lenient Dump (what json 2.6.1 / heapy parse), strict Dump (spec),
#     lenient-only line texts]
def read_era_dump(path)
  lenient = read_dump(path)
  strict_records = []
  lenient_only = []
  File.binread(path).each_line do |line|
    text = line.dup.force_encoding(Encoding::UTF_8)
    next if text.strip.empty?
    rec = begin
      JSON.parse(text)
    rescue JSON::ParserError
      next
    end
    next unless rec.is_a?(Hash)
    if json_escapes_ok?(text) then strict_records << rec else lenient_only << text end
  end
  check!(strict_records.size + lenient_only.size == lenient.records.size, "#{path}: record split")
  [lenient, Dump.new(strict_records, lenient.invalid_lines), lenient_only]
end

def build_case(dump, args, out, code, adj)
  gen = args[0]
  lines = args.include?('--lines') ? Integer(args[args.index('--lines') + 1], 10) : DEFAULT_LINES
  if gen.nil?
    [build_summary(dump, out, code, adj), 0]
  else
    e = build_drill(dump, gen, lines, out, code, adj)
    [e, e.empty? ? 1 : 0]
  end
end

def era_main(only)
  Dir.chdir(REPO)
  Dir.mktmpdir('heapy-era-golden') do |tmp|
    ERA_CASES.each do |name, fixture, args|
      next unless only.empty? || only.include?(name)
      lenient, strict, lenient_only = read_era_dump(fixture)
      dir, out, code = start_case(name, fixture, args)

      adj = Adjust.new
      if lenient_only.empty?
        expected, exp_code = build_case(strict, args, out, code, adj)
      else
        # 1. heapy's real output is explained by the lenient reference numbers
        build_case(lenient, args, out, code, Adjust.new)
        # 2. the expected output comes from heapy on the file without them
        copy = File.join(tmp, File.basename(fixture))
        File.binwrite(copy, File.binread(fixture).each_line.reject do |l|
          lenient_only.include?(l.dup.force_encoding(Encoding::UTF_8))
        end.join)
        out2, _err2, code2 = run_heapy(copy, args)
        expected, exp_code = build_case(strict, args, out2, code2, adj)
        adj.add('strict-json-escapes')
      end
      tags = finish_case(dir, name, fixture, args, out, expected, exp_code, adj)
      warn format('%-28s exit %d  %s', name, exp_code, tags.join(', '))
    end
  end
end

era_main(ARGV) if $PROGRAM_NAME == __FILE__
