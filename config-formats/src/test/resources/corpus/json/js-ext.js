{"uwsgi": {"ext": "%e"}}
