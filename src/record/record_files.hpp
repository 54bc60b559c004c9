// The files `heapdump record` leaves in its directory: which are dumps,
// which of them this run wrote, in what order to list them, and how to
// print their names so that a terminal shows them safely and a shell can
// take them back.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace heapdump {

/// One dump file name, heap-PID-N.json or heap-PID-N.json.gz, as the
/// preload (share/heapdump/record.rb) writes it.
struct DumpName {
  std::string name;  ///< the file name, without the directory
  uint64_t pid = 0;
  uint64_t number = 0;  ///< N, from 1 per process
};

/// Parses a dump file name (PID and N decimal, without leading zeros).
bool parse_dump_name(std::string_view name, DumpName* out);

/// Whether `name` is the preload's temporary name for a dump being written
/// (".heap-PID-N.json.tmp" or ".heap-PID-N.json.gz.tmp").
bool is_dump_temp_name(std::string_view name);

/// The dump and temporary files of a directory, each with its inode (a dump
/// rewritten under an old name is a new file).
struct DirEntryId {
  std::string name;
  ino_t inode = 0;
  bool operator==(const DirEntryId& o) const { return name == o.name && inode == o.inode; }
};

/// Lists the dump and temporary files of `dir`. On failure returns false
/// with the reason in *error.
bool list_dump_entries(const std::string& dir, std::vector<DirEntryId>* out, std::string* error);

/// The dumps in `after` that were not in `before`: those of `first_pid`
/// first, then the other PIDs in ascending order, each PID's by N.
std::vector<DumpName> new_dumps(const std::vector<DirEntryId>& before,
                                const std::vector<DirEntryId>& after, uint64_t first_pid);

/// The temporary files in `after` that were not in `before`: dumps cut short.
std::vector<std::string> new_temp_files(const std::vector<DirEntryId>& before,
                                        const std::vector<DirEntryId>& after);

/// The dumps to hand to `heapdump diff`: the first three (or two) of
/// `first_pid` if it wrote two or more, else of the PID that wrote the most
/// (the first such in `dumps` order). One dump if no PID wrote two; none if
/// `dumps` is empty. `dumps` is in new_dumps() order.
std::vector<DumpName> dumps_to_compare(const std::vector<DumpName>& dumps, uint64_t first_pid);

/// `dir` joined with `name` ("dir/name"; just `name` when `dir` is ".").
std::string join_path(const std::string& dir, const std::string& name);

/// `s` as one word a POSIX shell reads back as `s`, safe to show on a
/// terminal: as is when made only of letters, digits and `_@%+=:,./-`;
/// in single quotes when it has other printable characters; in bash's
/// $'...' with \xHH escapes when it holds a terminal control
/// (is_terminal_control(), include/heapdump/terminal_text.hpp) or a byte that is
/// not well-formed UTF-8.
std::string shell_word(std::string_view s);

}  // namespace heapdump
