"""The documents of the data bucket: one typed reader and writer per object, and the only code that parses them.

Pure (no boto3, no I/O): a reader takes the object's key and bytes (None when it is missing) and returns typed
values or raises :class:`testtime.documents.codec.MalformedDocument` naming the key; a writer returns the bytes to
store. Where the original 2019 service stored another shape, the reader accepts it and the writer writes only the
current one. The keys themselves are in :mod:`testtime.layout`.
"""
