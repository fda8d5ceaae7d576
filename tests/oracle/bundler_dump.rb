# Reads a Gemfile.lock with Bundler's own LockfileParser and prints what it found as JSON:
# every spec (name, version, platform, runtime dependencies) and the direct dependencies.
# Usage: ruby bundler_dump.rb LOCKFILE
require "json"
require "tmpdir"
require "fileutils"

# Bundler's sources want a Gemfile to anchor their cache paths; give them an empty one.
root = Dir.mktmpdir("lockrisk-oracle")
File.write(File.join(root, "Gemfile"), "")
ENV["BUNDLE_GEMFILE"] = File.join(root, "Gemfile")
at_exit { FileUtils.remove_entry(root) }
require "bundler"

text = File.read(ARGV.fetch(0))
# Bundler releases before 2.5 do not know the CHECKSUMS section; drop it so they can read the rest.
text = text.gsub(/^CHECKSUMS\r?\n(?:  .*\r?\n|\r?\n)*/, "")

def requirement_list(dep)
  dep.requirement.requirements.map { |op, version| "#{op} #{version}" }.sort
end

parser = Bundler::LockfileParser.new(text)
specs = parser.specs.map do |spec|
  {
    "name" => spec.name,
    "version" => spec.version.to_s,
    "platform" => spec.platform.to_s,
    "dependencies" => spec.dependencies.map { |d| { "name" => d.name, "requirement" => requirement_list(d) } },
  }
end
direct = parser.dependencies.values.map { |d| { "name" => d.name, "requirement" => requirement_list(d) } }
puts JSON.generate({ "bundler" => Bundler::VERSION, "specs" => specs, "dependencies" => direct })
