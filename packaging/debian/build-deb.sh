#!/usr/bin/env bash
# Builds wicket_VERSION_ARCH.deb with dpkg-deb from a staged tree (no debhelper, no source package):
#
#   packaging/debian/build-deb.sh BINARY OUTDIR      # prints the path of the .deb
#
# DEB_COMPRESS picks dpkg-deb's compressor (default xz; the test uses gzip, faster).
# VERSION is the repository's VERSION file plus the Debian revision DEB_REVISION (default 1), e.g.
# 0.1.0-1; WICKET_DEB_VERSION overrides the whole of it. Depends is the control file's list plus
# what dpkg-shlibdeps finds the binary links (so link the Swift runtime in statically: nothing
# under /opt/swift belongs to a Debian package). The nginx snippets are rendered by BINARY itself
# from the same `wicket init` flags postinst uses, so they always match the renderer.
set -euo pipefail
umask 022

binary=${1:?usage: build-deb.sh BINARY OUTDIR}
out=${2:?usage: build-deb.sh BINARY OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
version=${WICKET_DEB_VERSION:-$(tr -d '[:space:]' < "$repo/VERSION")-${DEB_REVISION:-1}}
arch=$(dpkg --print-architecture)
# The flags postinst gives `wicket init /etc/wicket` on first install (the unit's layout).
init_args="--socket /run/wicket/wicket.sock --data-dir /var/lib/wicket --socket-group www-data"
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$out/work
stage=$work/stage
rm -rf "$work"
mkdir -p "$stage/DEBIAN" "$work/debian"

# The binary, stripped as dh_strip would.
install -D -m 0755 "$binary" "$stage/usr/bin/wicket"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/bin/wicket"

install -D -m 0644 "$here/wicket.service" "$stage/lib/systemd/system/wicket.service"

# nginx snippets for the example setup postinst writes (socket /run/wicket/wicket.sock).
"$stage/usr/bin/wicket" init "$work/setup" $init_args >/dev/null
install -d "$stage/etc/nginx/snippets"
"$stage/usr/bin/wicket" nginx --config "$work/setup/wicket.toml" --server database --http-part \
    > "$stage/etc/nginx/snippets/wicket-http.conf"
"$stage/usr/bin/wicket" nginx --config "$work/setup/wicket.toml" --server database \
    > "$stage/etc/nginx/snippets/wicket-database.conf"

# Documentation, the Debian changelog and the man page.
doc=$stage/usr/share/doc/wicket
install -D -m 0644 "$here/README.Debian" "$doc/README.Debian"
install -D -m 0644 "$here/copyright" "$doc/copyright"
cat > "$work/debian/changelog" <<CHANGELOG
wicket ($version) unstable; urgency=medium

  * Built from commit $commit of the Wicket repository.

 -- $(sed -n 's/^Maintainer: //p' "$here/control")  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
CHANGELOG
gzip -9n -c "$work/debian/changelog" > "$doc/changelog.Debian.gz"
install -d "$stage/usr/share/man/man1"
gzip -9n -c "$here/wicket.1" > "$stage/usr/share/man/man1/wicket.1.gz"
chmod 0644 "$doc/changelog.Debian.gz" "$stage/usr/share/man/man1/wicket.1.gz"
install -D -m 0644 "$here/lintian-overrides" "$stage/usr/share/lintian/overrides/wicket"

# DEBIAN/control: Depends from dpkg-shlibdeps, Installed-Size from dpkg-gencontrol.
cp "$here/control" "$work/debian/control"
(cd "$work" && dpkg-shlibdeps -Tdebian/substvars "$stage/usr/bin/wicket" \
    && dpkg-gencontrol -pwicket -P"$stage" -Tdebian/substvars -v"$version")

sed "s|@INIT_ARGS@|$init_args|" "$here/postinst" > "$stage/DEBIAN/postinst"
cp "$here/prerm" "$here/postrm" "$stage/DEBIAN/"
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm" "$stage/DEBIAN/postrm"
(cd "$stage" && find etc -type f -printf '/%p\n' | LC_ALL=C sort) > "$stage/DEBIAN/conffiles"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) \
    > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"

deb=$out/wicket_${version}_${arch}.deb
dpkg-deb --root-owner-group -Z"${DEB_COMPRESS:-xz}" --build "$stage" "$deb" >/dev/null
echo "$deb"
