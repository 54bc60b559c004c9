# A small Ruby program for tests/cli/record_test.sh, run under
# `heapdump record`. Every wait is bounded (LIMIT seconds), so a broken
# recorder fails the test instead of hanging it.
#
# Usage: ruby tests/cli/record_leak.rb MODE STATE_DIR
#   leak   keeps leaking strings (one line below is the leak) until two dumps
#          of this process are in $HEAPDUMP_RECORD_DIR, then exits 0 (an
#          at-exit dump is the third)
#   wait   writes its PID to STATE_DIR/pid, then waits until STATE_DIR/stop
#          exists and exits 0
#   dumps  waits until STATE_DIR/count dumps of this process exist, then
#          sleeps 1 s more (time for one dump too many) and exits 0
#   fork   forks a child that writes its PID to STATE_DIR/child; each process
#          waits until a dump of its own exists; the parent waits for the
#          child and exits with its status
#   env    writes RUBYOPT and $VERBOSE.inspect to STATE_DIR/env, exits 7

LIMIT = 20
MODE, STATE = ARGV
DUMPS = ENV.fetch("HEAPDUMP_RECORD_DIR")
STARTED = Process.clock_gettime(Process::CLOCK_MONOTONIC)

def expired?
  Process.clock_gettime(Process::CLOCK_MONOTONIC) - STARTED > LIMIT
end

def own_dumps
  Dir.glob(File.join(DUMPS, "heap-#{Process.pid}-*.json*")).size
end

def wait_until
  sleep 0.02 until yield || expired?
  abort "record_leak.rb: #{MODE}: gave up after #{LIMIT} s" if expired?
end

# Writes STATE_DIR/NAME whole: the test polls for it and reads it at once.
def publish(name, text)
  File.write(File.join(STATE, "#{name}.tmp"), text)
  File.rename(File.join(STATE, "#{name}.tmp"), File.join(STATE, name))
end

LEAKED = []

def leak_some
  50.times { |i| LEAKED << "request #{i}" } # the leak
end

case MODE
when "leak"
  until own_dumps >= 2 || expired?
    leak_some
    sleep 0.005
  end
  abort "record_leak.rb: leak: gave up after #{LIMIT} s" if expired?
when "wait"
  publish("pid", Process.pid.to_s)
  wait_until { File.exist?(File.join(STATE, "stop")) }
when "dumps"
  count = Integer(File.read(File.join(STATE, "count")))
  wait_until { own_dumps >= count }
  sleep 1
when "fork"
  child = fork do
    publish("child", Process.pid.to_s)
    wait_until { own_dumps >= 1 }
  end
  wait_until { own_dumps >= 1 }
  Process.wait(child)
  exit $?.exitstatus
when "env"
  File.write(File.join(STATE, "env"), "#{ENV['RUBYOPT']}\n#{$VERBOSE.inspect}\n")
  exit 7
else
  abort "record_leak.rb: unknown mode #{MODE.inspect}"
end
